/**
 * Requests node's HTTP parser refuses before express sees them (a malformed request line, an unknown method,
 * headers over node's 16 KB limit): answered as problem documents too, instead of node's bare status line.
 * Header overflow keeps its own status, 431 (RFC 6585), with the `invalid-request` problem type.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEMS } from '../core/problems.js';

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const overflow = error.code === 'HPE_HEADER_OVERFLOW';
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const [status, reason] = overflow
      ? [431, 'Request Header Fields Too Large']
      : timeout
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
    const requestId = randomUUID();
    const body = JSON.stringify({
      type: '/problems/invalid-request',
      title: PROBLEMS['invalid-request'].title,
      status,
      detail: overflow
        ? 'The request headers are larger than the gateway accepts (16 KB).'
        : timeout
          ? 'The request did not arrive in time.'
          : 'The request could not be parsed as HTTP.',
      instance: '/',
      requestId,
      retryable: false,
    });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
