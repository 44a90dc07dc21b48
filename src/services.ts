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
import { ListService } from './core/listing.js';
import { LookupService, type ProviderRuntime } from './core/lookup.js';
import { GatewayMetrics } from './core/metrics.js';
import type { ProviderAdapter, ProviderEnv } from './core/provider.js';
import { UpstreamClient } from './core/upstream.js';
import type { AuthScheme } from './core/auth.js';

export interface ProviderService extends ProviderRuntime {
  auth: AuthScheme;
  /** The provider's own env keys (the list request reads Adobe's reseller id there). */
  env: ProviderEnv;
}

export interface Services {
  config: Config;
  logger: Logger;
  providers: ReadonlyMap<string, ProviderService>;
  cache: CustomerCache;
  lookup: LookupService;
  /** Customer lists, a page at a time. */
  lists: ListService;
  metrics: GatewayMetrics;
  close(): void;
}

export function createServices(config: Config, adapters: readonly ProviderAdapter[], logger: Logger): Services {
  const cache = new CustomerCache({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  const metrics = new GatewayMetrics(cache);
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
    const auth = adapter.auth(settings.env, { provider: adapter.id, http: client, timeoutMs: settings.timeoutMs, onTokenFetch });
    const schema = adapter.schema;
    const upstream = new UpstreamClient(
      adapter,
      {
        baseUrl: settings.baseUrl,
        timeoutMs: settings.timeoutMs,
        deadlineMs: settings.deadlineMs,
        retries: settings.retries,
        maxBodyBytes: config.upstreamMaxBodyBytes,
        resilience: { rateLimitPerSecond: settings.rateLimitPerSecond, maxConcurrency: settings.maxConcurrency, maxQueue: settings.maxQueue, breaker: settings.breaker },
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
    providers.set(adapter.id, { adapter, upstream, auth, env: settings.env, cacheTtlSeconds: settings.cacheTtlSeconds, state: () => upstream.state() });
  }

  const lookup = new LookupService(
    cache,
    { staleIfErrorSeconds: config.cache.staleIfErrorSeconds, staleWhileRevalidateSeconds: config.cache.staleWhileRevalidateSeconds, notFoundTtlSeconds: config.cache.notFoundTtlSeconds },
    logger,
    { onCacheLookup: (outcome) => metrics.cacheLookup(outcome) },
  );
  return {
    config,
    logger,
    providers,
    cache,
    lookup,
    lists: new ListService(config.lists),
    metrics,
    close: () => agents.forEach((agent) => agent.destroy()),
  };
}
