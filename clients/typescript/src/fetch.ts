/** The one shape every layer of the client wraps: a request in, an answer out (what openapi-fetch calls). */
export type Fetch = (request: Request) => Promise<Response>;

/** `ms` milliseconds, or until `signal` aborts (then rejects with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The same request with `headers` laid over its own (a Request's headers may not be changed once it is sent). */
export function withHeaders(request: Request, headers: Record<string, string>): Request {
  const merged = new Headers(request.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return new Request(request, { headers: merged });
}
