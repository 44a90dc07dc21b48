/**
 * The HTTP client of upstream attempts: one GET on node:http(s) with the provider's keep-alive agents, the body
 * read whole as text up to a byte limit, and gzip, deflate and brotli bodies decoded (they are asked for, as
 * axios did before). Redirects are never followed: a 3xx is an answer like any other, for the classification.
 *
 * Why not axios, which this gateway used here before: on every request axios merges its configuration, normalises
 * its header objects and pipes the body through its own streams; that cost about 100-150 µs per upstream call on
 * the bench machine, a tenth of a miss. Token requests (src/core/auth.ts) are rare and keep axios.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text (a leading BOM removed), decoded from its content encoding. */
  text: string;
}

/** Why an attempt got no usable answer from the transport: what transportFailure (upstream.ts) classifies. */
export class UpstreamTransportError extends Error {
  constructor(
    message: string,
    /** node's error code (`ECONNREFUSED`, `ECONNRESET`…), when it gave one. */
    readonly code: string | undefined,
    /** The status line and headers had arrived: the body broke off (or could not be decoded). */
    readonly headersArrived: boolean,
    /** The body was longer than the limit. */
    readonly tooLarge = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UpstreamTransportError';
  }
}

export interface UpstreamClientOptions {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  /** Sent with every request (`User-Agent`); a request's own headers win. */
  headers?: Record<string, string>;
}

const ACCEPT_ENCODING = 'gzip, compress, deflate, br';

export class UpstreamClient {
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly options: UpstreamClientOptions) {
    this.baseHeaders = { 'Accept-Encoding': ACCEPT_ENCODING, ...options.headers };
  }

  /** GETs `url`; rejects with `UpstreamTransportError` (or the signal's reason once it aborted). */
  get(url: string, headers: OutgoingHttpHeaders, signal: AbortSignal, maxBodyBytes: number): Promise<UpstreamResponse> {
    const secure = url.startsWith('https:');
    const transport = secure ? https : http;
    return new Promise((resolve, reject) => {
      let headersArrived = false;
      let settled = false;
      const fail = (error: unknown, tooLarge = false) => {
        if (settled) return;
        settled = true;
        request.destroy();
        if (signal.aborted) return reject(signal.reason);
        const code = (error as { code?: unknown } | undefined)?.code;
        const message = error instanceof Error ? error.message : String(error);
        reject(
          new UpstreamTransportError(message, typeof code === 'string' ? code : undefined, headersArrived, tooLarge, {
            cause: error,
          }),
        );
      };
      const request = transport.request(
        url,
        {
          method: 'GET',
          agent: secure ? this.options.httpsAgent : this.options.httpAgent,
          headers: { ...this.baseHeaders, ...headers },
          signal,
        },
        (response) => {
          headersArrived = true;
          const chunks: Buffer[] = [];
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > maxBodyBytes) fail(new Error(`the body exceeded ${maxBodyBytes} bytes`), true);
            else chunks.push(chunk);
          });
          response.on('error', fail);
          response.on('close', () => {
            if (!response.complete) fail(new Error('the body was cut off'));
          });
          response.on('end', () => {
            if (settled) return;
            let body: string;
            try {
              body = decode(Buffer.concat(chunks, bytes), response.headers['content-encoding'], maxBodyBytes);
            } catch (error) {
              fail(error, isTooLarge(error));
              return;
            }
            settled = true;
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: body.charCodeAt(0) === 0xfeff ? body.slice(1) : body,
            });
          });
        },
      );
      request.on('error', fail);
      request.end();
    });
  }
}

/** zlib's refusal of an output over `maxOutputLength`. */
const isTooLarge = (error: unknown): boolean =>
  (error as { code?: unknown } | undefined)?.code === 'ERR_BUFFER_TOO_LARGE';

/** The body as text, decoded from `Content-Encoding`; a decoded body over the limit throws ERR_BUFFER_TOO_LARGE. */
function decode(body: Buffer, encoding: string | undefined, maxBodyBytes: number): string {
  const options = { maxOutputLength: Math.max(1, maxBodyBytes) };
  switch (encoding?.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      return zlib.unzipSync(body, options).toString('utf8');
    case 'deflate':
      // Some servers send raw deflate without the zlib header.
      try {
        return zlib.inflateSync(body, options).toString('utf8');
      } catch (error) {
        if (isTooLarge(error)) throw error;
        return zlib.inflateRawSync(body, options).toString('utf8');
      }
    case 'br':
      return zlib.brotliDecompressSync(body, options).toString('utf8');
    default:
      return body.toString('utf8');
  }
}
