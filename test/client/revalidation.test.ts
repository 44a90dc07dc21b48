/**
 * What the client keeps for `If-None-Match`: the last answer per URL, bounded, never an answer marked `no-store`.
 * The upstream here is a function answering as the gateway does (the end-to-end 304 is in client.test.ts).
 */
import { AnswerCache, revalidating } from '../../clients/typescript/src/revalidation.js';

const kept = (etag: string) => ({ etag, body: '{}', contentType: 'application/json' });

test('beyond its size the cache drops the answer used least recently', () => {
  const cache = new AnswerCache(2);
  cache.set('/a', kept('"1"'));
  cache.set('/b', kept('"2"'));
  cache.get('/a');
  cache.set('/c', kept('"3"'));
  expect([cache.get('/a')?.etag, cache.get('/b')?.etag, cache.get('/c')?.etag]).toEqual(['"1"', undefined, '"3"']);
  expect(cache.size).toBe(2);
});

describe.each([
  ['an answer with an ETag', { ETag: '"v1"', 'Cache-Control': 'private, max-age=300' }, '"v1"'],
  ['an answer marked no-store (a national id in clear)', { ETag: '"v1"', 'Cache-Control': 'no-store' }, null],
  ['an answer without an ETag', { 'Cache-Control': 'private, max-age=300' }, null],
])('%s', (_name, headers, expected) => {
  test(
    expected === null ? 'is not kept: the next request is unconditional' : 'is revalidated by its ETag',
    async () => {
      const seen: (string | null)[] = [];
      const fetch = revalidating(async (request) => {
        seen.push(request.headers.get('If-None-Match'));
        return new Response('{"data":1}', { status: 200, headers: { 'Content-Type': 'application/json', ...headers } });
      }, new AnswerCache());
      await fetch(new Request('http://gateway.test/customers/tango/x'));
      await fetch(new Request('http://gateway.test/customers/tango/x'));
      expect(seen).toEqual([null, expected]);
    },
  );
});

test('a failure drops the kept answer, so that an old body is never handed out for a later 304', async () => {
  const cache = new AnswerCache();
  const answers = [200, 404];
  const fetch = revalidating(
    async () =>
      new Response('{}', {
        status: answers.shift() ?? 500,
        headers: { ETag: '"v1"', 'Content-Type': 'application/json' },
      }),
    cache,
  );
  await fetch(new Request('http://gateway.test/customers/tango/x'));
  expect(cache.size).toBe(1);
  await fetch(new Request('http://gateway.test/customers/tango/x'));
  expect(cache.size).toBe(0);
});
