/**
 * Wires the configured providers to the shared mechanisms: one keep-alive HTTP client, one auth scheme and
 * one upstream path per provider, one cache and one lookup service for all. `seams` plugs in shared (fleet)
 * implementations of the cache's second tier, the load lease, the quota and token storage; by default everything
 * stays in this process. With a shared Redis (`REDIS_URL`, Sentinel or Cluster), the fleet's Redis (src/fleet/)
 * provides all four, unless the caller plugged in its own.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config/index.js';
import { CacheLoader, type ProviderRuntime } from './core/cache-loader.js';
import { CustomerCache } from './core/cache.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import { ListService } from './core/listing.js';
import { LookupService } from './core/lookup.js';
import { GatewayMetrics } from './core/metrics.js';
import type { ProviderAdapter, ProviderEnv } from './core/provider.js';
import type { AuthScheme } from './core/auth.js';
import type { LoadLease, PurgeBroadcast, SharedCache, TokenStore, UpstreamQuota } from './core/seams.js';
import { ProviderUpstream } from './core/upstream-path.js';
import { fleetLease, fleetSharedCache } from './fleet/cache-tier.js';
import { Fleet } from './fleet/fleet.js';
import { createLinking, type Linking } from './linking/linking.js';

/** The TCP keep-alive delay axios sets on the socket of every request it sends (its http adapter). */
const AXIOS_TCP_KEEPALIVE_MS = 60_000;
/**
 * An upstream connection idle this long is closed by the gateway. Servers close idle keep-alive connections on
 * their own schedule (node's default after 5 s, load balancers after 60 s or so); a request sent on one at the
 * moment the server closes it fails with a reset before reaching it. Closing first, below the shortest common
 * server timeout, leaves that race to a busy event loop alone.
 */
const UPSTREAM_IDLE_SOCKET_MS = 4_000;

export interface ProviderService extends ProviderRuntime {
  auth: AuthScheme;
  /** The provider's own env keys (the list request reads Adobe's reseller id there). */
  env: ProviderEnv;
}

export interface Services {
  config: Config;
  logger: Logger;
  /** The one clock every mechanism reads. */
  clock: Clock;
  providers: ReadonlyMap<string, ProviderService>;
  cache: CustomerCache;
  lookup: LookupService;
  /** Customer lists, a page at a time. */
  lists: ListService;
  metrics: GatewayMetrics;
  /** The replicas' shared state in Redis; undefined without a shared Redis (everything stays in this process). */
  fleet: Fleet | undefined;
  /** Tells the other replicas about a purge; undefined when this process is the whole fleet. */
  purge: PurgeBroadcast | undefined;
  /** Search and links: the blind index, what feeds it, its crawl (started by the server, not here). */
  linking: Linking;
  /** Closes keep-alive sockets and the fleet's Redis connections (resolves once those have ended). */
  close(): Promise<void>;
}

/** Shared implementations to plug in (a fleet on Redis); each one left out stays in this process. */
export interface ServiceSeams {
  sharedCache?: SharedCache;
  lease?: LoadLease;
  /** The quota of a provider at `perSecond` (called only for providers with a quota). */
  quota?: (provider: string, perSecond: number) => UpstreamQuota;
  /** Where a provider's OAuth tokens are kept, one store per provider credential. */
  tokenStore?: (provider: string) => TokenStore;
  purge?: PurgeBroadcast;
}

export function createServices(
  config: Config,
  adapters: readonly ProviderAdapter[],
  logger: Logger,
  plugged: ServiceSeams = {},
  clock: Clock = systemClock,
): Services {
  const cache = new CustomerCache({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes }, clock);
  const metrics = new GatewayMetrics(cache);
  const fleet = startFleet(config, logger, metrics, clock);
  const seams = fleet ? { ...fleetSeams(fleet, config), ...plugged } : plugged;
  const agents: (http.Agent | https.Agent)[] = [];
  const providers = new Map<string, ProviderService>();

  for (const settings of config.providers) {
    const adapter = adapters.find((a) => a.id === settings.id);
    if (!adapter) throw new Error(`no adapter for provider ${settings.id}`);
    if (!settings.baseUrl) throw new Error(`provider ${settings.id} has no base URL`);
    // One keep-alive agent pair per provider, so that one provider cannot take another's sockets. TCP keep-alive
    // probes start after the 60 s of idleness that axios asks of every request's socket: with node's default (1 s)
    // the agent and axios set the socket back and forth, two system calls on every upstream request.
    const pool = {
      keepAlive: true,
      keepAliveMsecs: AXIOS_TCP_KEEPALIVE_MS,
      maxSockets: settings.maxConcurrency,
      // node's agent destroys a socket idle this long in its free list; on a socket in use it only emits 'timeout',
      // which nothing acts on (each attempt has its own timeout and the request's deadline).
      timeout: UPSTREAM_IDLE_SOCKET_MS,
    };
    const httpAgent = new http.Agent(pool);
    const httpsAgent = new https.Agent(pool);
    agents.push(httpAgent, httpsAgent);
    const client: AxiosInstance = axios.create({
      httpAgent,
      httpsAgent,
      proxy: false,
      headers: { 'User-Agent': `customer-gateway/${config.version}` },
    });
    const onTokenFetch = (outcome: 'ok' | 'refused' | 'failed') => metrics.tokenFetch(adapter.id, outcome);
    const tokens = seams.tokenStore?.(adapter.id);
    const auth = adapter.auth(settings.env, {
      provider: adapter.id,
      http: client,
      timeoutMs: settings.timeoutMs,
      onTokenFetch,
      clock,
      ...(tokens ? { tokens } : {}),
    });
    const schema = adapter.schema;
    const quota = settings.rateLimitPerSecond > 0 ? seams.quota?.(adapter.id, settings.rateLimitPerSecond) : undefined;
    const upstream = new ProviderUpstream(
      adapter,
      {
        baseUrl: settings.baseUrl,
        timeoutMs: settings.timeoutMs,
        retries: settings.retries,
        maxBodyBytes: config.upstreamMaxBodyBytes,
        rateLimitPerSecond: settings.rateLimitPerSecond,
        maxConcurrency: settings.maxConcurrency,
        maxQueue: settings.maxQueue,
        breaker: settings.breaker,
      },
      auth,
      client,
      clock,
      logger,
      {
        onAttempt: (provider, outcome, seconds, attempt) =>
          metrics.upstreamAttempt(provider, outcome, seconds, attempt),
        // Once the answer is on its way: walking a body for unknown fields need not delay the customer's answer.
        onBody: schema
          ? (provider, body) => void setImmediate(() => metrics.schemaDrift(provider, schema, body))
          : undefined,
        onBreakerState: (provider, state) => metrics.breakerState(provider, state),
        onQuotaWait: (provider, seconds) => metrics.quotaWait(provider, seconds),
        onQuotaRefused: (provider) => metrics.quotaRefused(provider),
      },
      quota ? { quota } : {},
    );
    // The breaker series starts at its initial state, so a dashboard sees "closed" before any transition.
    metrics.breakerState(adapter.id, upstream.state().breaker);
    providers.set(adapter.id, {
      adapter,
      upstream,
      auth,
      env: settings.env,
      cacheTtlSeconds: settings.cacheTtlSeconds,
      deadlineMs: settings.deadlineMs,
      state: () => upstream.state(),
    });
  }

  const policy = {
    staleIfErrorSeconds: config.cache.staleIfErrorSeconds,
    staleWhileRevalidateSeconds: config.cache.staleWhileRevalidateSeconds,
    notFoundTtlSeconds: config.cache.notFoundTtlSeconds,
  };
  const lists = new ListService(config.lists, clock);
  const linking = createLinking({ config, providers, lists, fleet, clock, logger, metrics });
  const loader = new CacheLoader(
    cache,
    policy,
    clock,
    seams.sharedCache,
    seams.lease,
    config.failureMemorySeconds,
    // A provider that keeps e-mails on its accounts (Tango) is indexed from reads that include them: a plain read
    // would take those e-mails out of the index.
    (entry, runtime, withBalances) => {
      if (withBalances || !runtime.adapter.balances) linking.feed.recordView(entry.masked.data);
    },
  );
  // A purge anywhere in the fleet drops this replica's copy too.
  seams.purge?.onPurge((key) => cache.delete(key));
  // A replica that was not listening may have missed purges: whatever it kept may have been purged meanwhile.
  seams.purge?.onMissedPurges(() => cache.clear());
  const lookup = new LookupService(cache, loader, policy, clock, logger, {
    onCacheLookup: (outcome) => metrics.cacheLookup(outcome),
  });
  return {
    config,
    logger,
    clock,
    providers,
    cache,
    lookup,
    lists,
    metrics,
    fleet,
    purge: seams.purge,
    linking,
    close: async () => {
      await linking.crawler.close();
      agents.forEach((agent) => agent.destroy());
      await fleet?.close();
    },
  };
}

/** The fleet's Redis, when a shared Redis is configured (`REDIS_URL`, `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`). */
function startFleet(config: Config, logger: Logger, metrics: GatewayMetrics, clock: Clock): Fleet | undefined {
  const { redis } = config.fleet;
  if (!redis) return undefined;
  // Whoever reaches a Redis without a password can take the fleet's tokens, purge its cache or write into it.
  if (redis.kind === 'single' ? new URL(redis.url).password === '' : redis.password === undefined)
    logger.warn(
      `${redis.kind === 'single' ? 'REDIS_URL has no password' : 'REDIS_PASSWORD is not set'}: any client that ` +
        'reaches that Redis can read and change the fleet state',
    );
  return new Fleet({ ...config.fleet, redis }, logger, clock, metrics);
}

/** Every seam on the fleet's Redis: the L2, the lease, each provider's quota, one token per credential, purges. */
function fleetSeams(fleet: Fleet, config: Config): ServiceSeams {
  const settingsOf = (provider: string) => config.providers.find((p) => p.id === provider);
  return {
    sharedCache: fleetSharedCache(fleet),
    lease: fleetLease(fleet),
    purge: fleet,
    quota: (provider, perSecond) => fleet.quota(provider, perSecond),
    tokenStore: (provider) => {
      const settings = settingsOf(provider);
      // The credential is known to the fleet by a digest of the provider's own keys (its secrets among them).
      const credential = fleet.keyName(
        [provider, ...Object.entries(settings?.env ?? {}).flatMap(([k, v]) => [k, v ?? ''])].join('\0'),
      );
      return fleet.tokens.store(credential, (settings?.timeoutMs ?? 3000) + 1000);
    },
  };
}
