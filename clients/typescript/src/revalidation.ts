/**
 * Reuse of an answer already held: the last ETag and body per URL are kept, the next GET of that URL sends
 * `If-None-Match`, and a `304 Not Modified` is handed on as the kept body with the 304's own headers. The gateway
 * then answers from its cache without a body, and never from the upstream for a fresh entry.
 */
import { withHeaders, type Fetch } from './fetch.js';

interface Kept {
  etag: string;
  body: string;
  contentType: string;
}

/** The last answer per URL, the least recently used dropped first beyond `maxEntries`. */
export class AnswerCache {
  private readonly entries = new Map<string, Kept>();

  constructor(readonly maxEntries = 500) {}

  get size(): number {
    return this.entries.size;
  }

  get(url: string): Kept | undefined {
    const kept = this.entries.get(url);
    if (kept) {
      // Map keeps insertion order: moving the entry to the end makes the first one the least recently used.
      this.entries.delete(url);
      this.entries.set(url, kept);
    }
    return kept;
  }

  set(url: string, kept: Kept): void {
    this.entries.delete(url);
    this.entries.set(url, kept);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(url: string): void {
    this.entries.delete(url);
  }

  clear(): void {
    this.entries.clear();
  }
}

export function revalidating(fetch: Fetch, cache: AnswerCache): Fetch {
  return async (request) => {
    // A caller's own If-None-Match asks for the 304 itself.
    if (request.method !== 'GET' || request.headers.has('If-None-Match')) return fetch(request);
    const kept = cache.get(request.url);
    const response = await fetch(kept ? withHeaders(request, { 'If-None-Match': kept.etag }) : request);
    if (response.status === 304 && kept) return keptAnswer(kept, response);
    const etag = response.headers.get('ETag');
    // `no-store` (an answer with a national id in clear) is not kept, not even in memory.
    const storable = !/\bno-store\b/i.test(response.headers.get('Cache-Control') ?? '');
    if (response.status === 200 && etag !== null && storable) {
      const body = await response.clone().text();
      cache.set(request.url, { etag, body, contentType: response.headers.get('Content-Type') ?? 'application/json' });
    } else if (response.status !== 304) {
      cache.delete(request.url);
    }
    return response;
  };
}

/** The kept body as a 200, with what the 304 said about it now (its ETag, Cache-Status, request id, rate budget). */
function keptAnswer(kept: Kept, notModified: Response): Response {
  const headers = new Headers(notModified.headers);
  headers.delete('Content-Length');
  headers.set('Content-Type', kept.contentType);
  return new Response(kept.body, { status: 200, headers });
}
