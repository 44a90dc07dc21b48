/**
 * Wires the configured providers to the shared mechanisms: one keep-alive HTTP client, one auth scheme and
 * one upstream client per provider, one cache and one lookup service for all.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config/index.js';
import { CustomerCache } from './core/cache.js';
import type { Logger } from './core/logger.js';
import { LookupService, type ProviderRuntime } from './core/lookup.js';
import { GatewayMetrics } from './core/metrics.js';
import type { ProviderAdapter } from './core/provider.js';
import { UpstreamClient } from './core/upstream.js';
import type { AuthScheme } from './core/auth.js';
import { FleetCacheTier } from './fleet/cache-tier.js';
import { Fleet } from './fleet/fleet.js';

export interface ProviderService extends ProviderRuntime {
  auth: AuthScheme;
}

export interface Services {
  config: Config;
  logger: Logger;
  providers: ReadonlyMap<string, ProviderService>;
  cache: CustomerCache;
  lookup: LookupService;
  metrics: GatewayMetrics;
  /** The replicas' shared state in Redis; undefined without `REDIS_URL` (everything stays in this process). */
  fleet: Fleet | undefined;
  close(): void;
}

export function createServices(config: Config, adapters: readonly ProviderAdapter[], logger: Logger): Services {
  const cache = new CustomerCache({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  const metrics = new GatewayMetrics(cache);
  const { redisUrl } = config.fleet;
  const fleet = redisUrl ? new Fleet({ ...config.fleet, redisUrl }, logger, metrics) : undefined;
  // A purge anywhere in the fleet drops this replica's copy too.
  fleet?.onPurge((key) => cache.delete(key));
  const agents: (http.Agent | https.Agent)[] = [];
  const providers = new Map<string, ProviderService>();

  for (const settings of config.providers) {
    const adapter = adapters.find((a) => a.id === settings.id);
    if (!adapter) throw new Error(`no adapter for provider ${settings.id}`);
    if (!settings.baseUrl) throw new Error(`provider ${settings.id} has no base URL`);
    // One keep-alive agent pair per provider, so that one provider cannot take another's sockets.
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: settings.maxConcurrency });
    const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: settings.maxConcurrency });
    agents.push(httpAgent, httpsAgent);
    const client: AxiosInstance = axios.create({
      httpAgent,
      httpsAgent,
      proxy: false,
      headers: { 'User-Agent': `customer-gateway/${config.version}` },
    });
    const onTokenFetch = (outcome: 'ok' | 'refused' | 'failed') => metrics.tokenFetch(adapter.id, outcome);
    const auth = adapter.auth(settings.env, { provider: adapter.id, http: client, timeoutMs: settings.timeoutMs, onTokenFetch, shared: fleet?.tokens });
    // With a fleet, the provider's rate is the fleet's: one schedule in Redis for every replica.
    const quota = fleet && settings.rateLimitPerSecond > 0 ? fleet.quota(adapter.id, settings.rateLimitPerSecond) : undefined;
    const schema = adapter.schema;
    const upstream = new UpstreamClient(
      adapter,
      {
        baseUrl: settings.baseUrl,
        timeoutMs: settings.timeoutMs,
        deadlineMs: settings.deadlineMs,
        retries: settings.retries,
        maxBodyBytes: config.upstreamMaxBodyBytes,
        resilience: { rateLimitPerSecond: settings.rateLimitPerSecond, maxConcurrency: settings.maxConcurrency, maxQueue: settings.maxQueue, breaker: settings.breaker, quota },
      },
      auth,
      client,
      logger,
      {
        onAttempt: (provider, outcome, seconds, attempt) => metrics.upstreamAttempt(provider, outcome, seconds, attempt),
        onBody: schema ? (provider, body) => metrics.schemaDrift(provider, schema, body) : undefined,
        onBreakerState: (provider, state) => metrics.breakerState(provider, state),
        onQuotaWait: (provider, seconds) => metrics.quotaWait(provider, seconds),
      },
    );
    // The breaker series starts at its initial state, so a dashboard sees "closed" before any transition.
    metrics.breakerState(adapter.id, upstream.state().breaker);
    providers.set(adapter.id, { adapter, upstream, auth, cacheTtlSeconds: settings.cacheTtlSeconds, deadlineMs: settings.deadlineMs, state: () => upstream.state() });
  }

  const lookup = new LookupService(
    cache,
    { staleIfErrorSeconds: config.cache.staleIfErrorSeconds, staleWhileRevalidateSeconds: config.cache.staleWhileRevalidateSeconds, notFoundTtlSeconds: config.cache.notFoundTtlSeconds },
    logger,
    { onCacheLookup: (outcome) => metrics.cacheLookup(outcome) },
    fleet ? new FleetCacheTier(fleet) : undefined,
  );
  return {
    config,
    logger,
    providers,
    cache,
    lookup,
    metrics,
    fleet,
    close: () => {
      agents.forEach((agent) => agent.destroy());
      void fleet?.close();
    },
  };
}
