/**
 * The simulator kit: a real HTTP server on loopback that providers' simulators build on (sandbox and tests). It
 * counts requests, enforces the upstream's documented rate limit, and injects faults for tests and demos.
 * Faults can be set in-process (`inject`) or over HTTP (`POST /__simulator/faults`, for the sandbox). Never part of
 * the production program: adapters load their simulators with a dynamic `import()` in sandbox mode only.
 */
import { systemClock, type Clock } from './clock.js';
import { setTimeout as sleep } from 'node:timers/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface SimRequest {
  method: string;
  /** The path below the simulator's base path, still percent-encoded as sent. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A JSON value (serialised with `application/json`) or a string sent as is. */
  body?: unknown;
}

/** How long after a 401 a client's retry with a new token may still come (beyond every lookup deadline). */
const RETRY_GIVEN_UP_MS = 10_000;

export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  | { kind: 'slow-body'; ms: number }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'content-type'; contentType: string }
  /**
   * The upstream's own answer to credentials it no longer accepts. On a simulator with a token endpoint the
   * presented token really expires (every later request with it gets the same 401), and with `minAgeMs` only a
   * token first presented at least that long ago is picked: a token the client has just fetched is not already
   * stale. Nothing is picked while a client is between a 401 and its retry with a new token, nor that retry: a
   * lookup meets at most one expiry. Elsewhere (static credentials) the request is answered as if it had carried an
   * unknown bearer token.
   */
  | { kind: 'expired-token'; minAgeMs?: number };

export interface FaultRule {
  fault: Fault;
  /** How many matching requests it applies to (default: until cleared). */
  times?: number;
  /** Share of matching requests it applies to, 0..1 (default 1). */
  probability?: number;
  /**
   * Only requests whose path contains this string. Outside the API (a token endpoint) only rules with a matching
   * `match` apply.
   */
  match?: string;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /**
   * Requests per second before the upstream's own 429; `0` turns the limit off. Default: the upstream's documented
   * limit.
   */
  rateLimitPerSecond?: number;
  /** Lifetime (`expires_in`) of the tokens a simulator with a token endpoint issues; tests make it short. */
  tokenLifetimeSeconds?: number;
  /** The upstream's own clock (token lifetimes, rate windows); the wall clock by default. */
  clock?: Clock;
}

export interface SimulatorSpec {
  name: string;
  /** The path prefix of the API (`/raas/v2`), so that `baseUrl` ends where the provider's base URL does. */
  basePath: string;
  /**
   * The paths that count as the API (faults, rate limit, `apiRequests`), when they differ from `basePath`:
   * Adobe's base URL is the host (`basePath: ''`) while its API lives under `/v3` and its token endpoint beside it.
   */
  apiPath?: string;
  /** The tokens its token endpoint issued, exposed as `Simulator.tokens` so tests can shorten or revoke them. */
  tokens?: SimTokens;
  /** The env keys (credentials, token URL) that make the gateway talk to this simulator; `{url}` is replaced. */
  env: Record<string, string>;
  rateLimitPerSecond?: number;
  /** Ids of the seeded customers, for suites that walk every provider (chaos). */
  seedIds?: readonly string[];
  /** The upstream's own answer past its rate limit. */
  rateLimited?: (request: SimRequest) => SimResponse;
  /** Answers one request under the API path (auth checks included); other paths go to `handleOther`. */
  handle: (request: SimRequest) => SimResponse | Promise<SimResponse>;
  /** Answers requests outside `basePath` (the IMS token endpoint, for one); default 404. */
  handleOther?: (request: SimRequest) => SimResponse | Promise<SimResponse> | undefined;
}

export type SimLogEntry = SimRequest & { at: number; status?: number };

export interface SimulatorStats {
  /** Requests the simulator received (rate-limited and faulted ones included). */
  requests: number;
  /** Requests per path category: `api` under the base path, `other` elsewhere. */
  apiRequests: number;
  rateLimited: number;
  faults: number;
  /** The most API requests received within any 1-second window (to check a client's quota). */
  maxPerSecond: number;
  /** Faults applied, by kind. */
  faultKinds: Partial<Record<Fault['kind'], number>>;
}

export class Simulator {
  readonly stats: SimulatorStats = {
    requests: 0,
    apiRequests: 0,
    rateLimited: 0,
    faults: 0,
    maxPerSecond: 0,
    faultKinds: {},
  };
  /** Arrival times of the API requests of the last second, for `maxPerSecond`. */
  private recent: number[] = [];
  /**
   * The last 200 requests, for tests to read headers and ordering, with the status answered (when a full answer was
   * sent).
   */
  readonly log: SimLogEntry[] = [];
  private rules: (FaultRule & { used: number })[] = [];
  /**
   * Per path, the bearer token last refused with a 401 and when: a client is between that 401 and its retry with a
   * new token until the next request on the path arrives (or the retry is given up for).
   */
  private readonly refusals = new Map<string, { token: string; at: number }>();
  private windowStart = 0;
  private windowCount = 0;
  private readonly hanging = new Set<ServerResponse>();
  /** Aborted by `close`: ends the waits of faults still in progress, which would otherwise hold the process open. */
  private readonly closing = new AbortController();
  private url = '';
  /**
   * Called with the arrival time and path of every request under the base path (chaos measures the quota with it,
   * and the fleet's chaos run the calls per customer).
   */
  onApiRequest?: (at: number, path: string) => void;

  private constructor(
    private readonly spec: SimulatorSpec,
    private readonly server: http.Server,
    private readonly rateLimitPerSecond: number,
    private readonly clock: Clock,
  ) {}

  static async start(spec: SimulatorSpec, options: SimulatorOptions = {}): Promise<Simulator> {
    const server = http.createServer();
    const rate = options.rateLimitPerSecond ?? spec.rateLimitPerSecond ?? 0;
    const simulator = new Simulator(spec, server, rate, options.clock ?? systemClock);
    server.on('request', (req, res) => {
      simulator.onRequest(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    simulator.url = `http://127.0.0.1:${port}`;
    return simulator;
  }

  get name(): string {
    return this.spec.name;
  }

  get seedIds(): readonly string[] {
    return this.spec.seedIds ?? [];
  }

  get origin(): string {
    return this.url;
  }

  /** The provider's base URL on this simulator (`http://127.0.0.1:PORT/raas/v2`). */
  get baseUrl(): string {
    return this.url + this.spec.basePath;
  }

  /** The tokens issued by the simulator's token endpoint, if it has one. */
  get tokens(): SimTokens | undefined {
    return this.spec.tokens;
  }

  /** The env keys (credentials) that point the gateway at this simulator. */
  get env(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.spec.env).map(([k, v]) => [k, v.replace('{url}', this.url)]));
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, used: 0 });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Forget counters, log and faults (between tests). */
  reset(): void {
    this.clearFaults();
    this.refusals.clear();
    Object.assign(this.stats, {
      requests: 0,
      apiRequests: 0,
      rateLimited: 0,
      faults: 0,
      maxPerSecond: 0,
      faultKinds: {},
    });
    this.recent = [];
    this.log.length = 0;
    this.windowCount = 0;
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A fault's wait: `ms`, or until the simulator closes. */
  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (rawPath === '/__simulator/faults') return this.control(req.method ?? 'GET', body, res);

    this.stats.requests += 1;
    const { basePath } = this.spec;
    const apiPath = this.spec.apiPath ?? basePath;
    const inApi = rawPath.startsWith(apiPath + '/') || rawPath === apiPath;
    const inBase = rawPath.startsWith(basePath + '/') || rawPath === basePath;
    const request: SimRequest = {
      method: req.method ?? 'GET',
      path: inApi && inBase ? rawPath.slice(basePath.length) : rawPath,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const entry: SimLogEntry = { ...request, at: this.clock.now() };
    this.log.push(entry);
    if (this.log.length > 200) this.log.shift();
    const reply = (answer: SimResponse) => {
      entry.status = answer.status;
      this.noteRefusal(request, answer.status);
      send(res, answer);
    };

    if (!inApi) {
      const other = async (r: SimRequest) =>
        (await this.spec.handleOther?.(r)) ?? { status: 404, body: { message: 'Not Found' } };
      const fault = this.pickFault(request, true);
      if (fault?.kind === 'latency') await this.pause(fault.ms);
      else if (fault) return this.applyFault(fault, request, res, entry, other);
      return reply(await other(request));
    }
    this.stats.apiRequests += 1;
    this.countArrival();
    this.onApiRequest?.(this.clock.now(), request.path);

    const retryAfterRefusal = this.arrivesAfterRefusal(request);
    const fault = this.pickFault(request, false, retryAfterRefusal);
    if (fault?.kind === 'latency') await this.pause(fault.ms);
    else if (fault) return this.applyFault(fault, request, res, entry, this.spec.handle);

    if (this.overRateLimit()) {
      this.stats.rateLimited += 1;
      return reply(
        this.spec.rateLimited?.(request) ?? {
          status: 429,
          headers: { 'Retry-After': '1' },
          body: { message: 'Too Many Requests' },
        },
      );
    }
    return reply(await this.spec.handle(request));
  }

  private countArrival(): void {
    const now = performance.now();
    this.recent.push(now);
    while (this.recent.length > 0 && (this.recent[0] ?? now) <= now - 1000) this.recent.shift();
    this.stats.maxPerSecond = Math.max(this.stats.maxPerSecond, this.recent.length);
  }

  private overRateLimit(): boolean {
    if (this.rateLimitPerSecond <= 0) return false;
    const now = this.clock.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    return this.windowCount > this.rateLimitPerSecond;
  }

  private pickFault(request: SimRequest, matchRequired = false, retryAfterRefusal = false): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.match === undefined ? matchRequired : !request.path.includes(rule.match)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (rule.fault.kind === 'expired-token' && !this.mayExpire(request, rule.fault.minAgeMs, retryAfterRefusal))
        continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      rule.used += 1;
      this.stats.faults += 1;
      this.stats.faultKinds[rule.fault.kind] = (this.stats.faultKinds[rule.fault.kind] ?? 0) + 1;
      return rule.fault;
    }
    return undefined;
  }

  /**
   * Whether the `expired-token` fault may strike this request. A real upstream expires a token rarely, so a lookup
   * meets at most one expiry: nothing is struck while any client is between a 401 and its retry with a new token
   * (else the token it has just fetched could expire before a loaded machine sends the retry, as once happened after
   * more than a second), nor that retry itself.
   */
  private mayExpire(request: SimRequest, minAgeMs: number | undefined, retryAfterRefusal: boolean): boolean {
    if (retryAfterRefusal) return false;
    const now = this.clock.now();
    for (const [path, refusal] of this.refusals) if (now - refusal.at > RETRY_GIVEN_UP_MS) this.refusals.delete(path);
    if (this.refusals.size > 0) return false;
    return minAgeMs === undefined || this.tokenInUseFor(request, minAgeMs);
  }

  /** True for the retry with another token that follows a 401 on the same path; the path's refusal is settled. */
  private arrivesAfterRefusal(request: SimRequest): boolean {
    const refusal = this.refusals.get(request.path);
    if (refusal === undefined) return false;
    this.refusals.delete(request.path);
    return refusal.token !== bearerToken(request.headers);
  }

  /** Remembers a 401 answered to a bearer token on this path (bounded: the simulator may run for days). */
  private noteRefusal(request: SimRequest, status: number): void {
    const token = bearerToken(request.headers);
    if (status !== 401 || token === undefined) return;
    if (this.refusals.size >= 10_000) this.refusals.clear();
    this.refusals.set(request.path, { token, at: this.clock.now() });
  }

  private tokenInUseFor(request: SimRequest, ms: number): boolean {
    const tokens = this.spec.tokens;
    if (!tokens) return true;
    const token = bearerToken(request.headers);
    const inUse = tokens.inUseMs(token);
    tokens.presented(token);
    return inUse === undefined || inUse >= ms;
  }

  private async applyFault(
    fault: Exclude<Fault, { kind: 'latency' }>,
    request: SimRequest,
    res: ServerResponse,
    entry: SimLogEntry,
    handle: (request: SimRequest) => SimResponse | Promise<SimResponse>,
  ): Promise<void> {
    switch (fault.kind) {
      case 'status':
        entry.status = fault.status;
        return send(res, {
          status: fault.status,
          headers: fault.headers,
          body: fault.body ?? { message: `Injected ${fault.status}` },
        });
      case 'reset':
        res.socket?.destroy();
        return;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'malformed':
        return send(res, { status: 200, body: '{"customerIdentifier": "' });
      case 'expired-token': {
        const { tokens } = this.spec;
        const token = bearerToken(request.headers);
        if (tokens && token !== undefined) {
          tokens.expire(token);
          entry.status = 401;
          this.noteRefusal(request, 401);
          return send(res, await this.spec.handle(request));
        }
        return send(
          res,
          await this.spec.handle({
            ...request,
            headers: { ...request.headers, authorization: 'Bearer expired-token' },
          }),
        );
      }
      case 'content-type': {
        const answer = await handle(request);
        res.writeHead(answer.status, { 'Content-Type': fault.contentType });
        res.end(JSON.stringify(answer.body));
        return;
      }
      case 'truncated':
      case 'slow-body': {
        const answer = await handle(request);
        const text = JSON.stringify(answer.body);
        const half = Math.floor(text.length / 2);
        res.writeHead(answer.status, {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(text)),
        });
        if (fault.kind === 'truncated') {
          // Cut the connection once the first half is on the wire (node holds the first write back until the next
          // tick).
          res.write(text.slice(0, half), () => res.socket?.destroy());
          return;
        }
        res.write(text.slice(0, half));
        this.hanging.add(res);
        await this.pause(fault.ms);
        this.hanging.delete(res);
        if (!res.destroyed) res.end(text.slice(half));
        return;
      }
      case 'oversized': {
        const answer = await handle(request);
        const padded = { ...(answer.body as object), padding: 'x'.repeat(fault.bytes) };
        return send(res, { status: answer.status, body: padded });
      }
    }
  }

  /**
   * `POST` a `FaultRule` (or a list) to add faults, `DELETE` to clear them, `GET` for the stats (and tokens
   * issued).
   */
  private control(method: string, body: string, res: ServerResponse): void {
    if (method === 'DELETE') {
      this.clearFaults();
      return send(res, { status: 204 });
    }
    if (method === 'POST') {
      try {
        const parsed: unknown = JSON.parse(body);
        for (const rule of Array.isArray(parsed) ? parsed : [parsed]) this.inject(rule as FaultRule);
        return send(res, { status: 201, body: { rules: this.rules.length } });
      } catch {
        return send(res, { status: 400, body: { message: 'expected a JSON fault rule' } });
      }
    }
    return send(res, {
      status: 200,
      body: { stats: this.stats, rules: this.rules, tokensIssued: this.spec.tokens?.issued ?? null },
    });
  }
}

function send(res: ServerResponse, answer: SimResponse): void {
  if (res.destroyed) return;
  const isText = typeof answer.body === 'string';
  const payload = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...answer.headers,
  });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Reads `user:password` from a Basic `Authorization` header, or undefined. */
export function basicCredentials(headers: IncomingHttpHeaders): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Reads the token from a Bearer `Authorization` header, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
}

/**
 * Bearer tokens issued by a simulator's token endpoint, each with its expiry, so that simulators check tokens the
 * way their upstream does and tests can make them short-lived or revoke them (to force a 401).
 */
export class SimTokens {
  /** Tokens issued since start. */
  issued = 0;
  private readonly live = new Map<string, { issuedAt: number; expiresAt: number; firstPresentedAt?: number }>();

  constructor(
    public lifetimeSeconds: number,
    private readonly clock: Clock = systemClock,
  ) {}

  issue(prefix: string): { token: string; expiresIn: number } {
    this.issued += 1;
    const token = `${prefix}${randomUUID()}`;
    const now = this.clock.now();
    this.live.set(token, { issuedAt: now, expiresAt: now + this.lifetimeSeconds * 1000 });
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** Notes that a live token was presented (the first time counts). */
  presented(token: string | undefined): void {
    const known = token === undefined ? undefined : this.live.get(token);
    if (known && known.firstPresentedAt === undefined) known.firstPresentedAt = this.clock.now();
  }

  /** Milliseconds since a live token was first presented: 0 if never, undefined for an unknown or expired one. */
  inUseMs(token: string | undefined): number | undefined {
    const known = token === undefined ? undefined : this.live.get(token);
    if (!known) return undefined;
    return known.firstPresentedAt === undefined ? 0 : this.clock.now() - known.firstPresentedAt;
  }

  /** Expires one token now, as the upstream's own clock would. */
  expire(token: string): void {
    this.live.delete(token);
  }

  /** `missing` without a token, `invalid` for an unknown, revoked or expired one. */
  check(token: string | undefined): 'valid' | 'missing' | 'invalid' {
    if (token === undefined || token === '') return 'missing';
    const known = this.live.get(token);
    if (known === undefined) return 'invalid';
    if (this.clock.now() >= known.expiresAt) {
      this.live.delete(token);
      return 'invalid';
    }
    return 'valid';
  }

  revokeAll(): void {
    this.live.clear();
  }
}
