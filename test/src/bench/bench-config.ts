import { BENCH_VERBS } from './bench-verbs.js';

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password';

export interface BenchRoutes {
  plugin: { account: string; application: string };
  upstream: { account: string; application: string };
  cacheHit: { account: string; application: string };
  openBreaker: { account: string; application: string };
}

export const BENCH_ROUTES: BenchRoutes = {
  plugin: { account: 'AC-bench-plugin', application: 'AP-plugin' },
  upstream: { account: 'AC-bench-upstream', application: 'AP-upstream' },
  cacheHit: { account: 'AC-bench-cache', application: 'AP-cache' },
  openBreaker: { account: 'AC-bench-open', application: 'AP-open' },
};

export function fillerAccount(index: number): string {
  return `AC-t${String(index).padStart(5, '0')}`;
}

/**
 * A gateway config with `tenantCount` filler tenants (half routed to the static plugin, half to an upstream
 * of their own, all on the stub) beside the four measured routes. One scrypt hash serves every tenant:
 * hashing 10,000 distinct passwords would make the benchmark's set-up slower than its measurements.
 */
export function benchConfig(options: { tenantCount: number; upstreamUrl: string; refusedUrl: string; passwordHash: string }): object {
  const credentials = (username: string) => [{ username, password: options.passwordHash }];
  const upstreams: Record<string, object> = {
    'bench-upstream': { url: `${options.upstreamUrl}/call-hook`, method: 'POST', timeoutMs: 5000 },
    'bench-cached': { url: `${options.upstreamUrl}/cached-hook`, method: 'POST', timeoutMs: 5000 },
    'bench-refused': { url: `${options.refusedUrl}/call-hook`, method: 'POST', timeoutMs: 1000 },
  };
  const accounts: Record<string, object> = {
    [BENCH_ROUTES.plugin.account]: {
      credentials: credentials(BENCH_USER),
      applications: { [BENCH_ROUTES.plugin.application]: { target: { plugin: 'static', options: { verbs: BENCH_VERBS } } } },
    },
    [BENCH_ROUTES.upstream.account]: {
      credentials: credentials(`${BENCH_USER}-upstream`),
      applications: { [BENCH_ROUTES.upstream.application]: { target: { upstream: 'bench-upstream' } } },
    },
    [BENCH_ROUTES.cacheHit.account]: {
      credentials: credentials(`${BENCH_USER}-cache`),
      applications: {
        [BENCH_ROUTES.cacheHit.application]: { target: { upstream: 'bench-cached' }, ...CACHE_SETTINGS },
      },
    },
    [BENCH_ROUTES.openBreaker.account]: {
      credentials: credentials(`${BENCH_USER}-open`),
      applications: {
        [BENCH_ROUTES.openBreaker.application]: { target: { upstream: 'bench-refused' }, ...OPEN_BREAKER_SETTINGS },
      },
    },
  };
  for (let index = 1; index <= options.tenantCount; index += 1) {
    const account = fillerAccount(index);
    const usesPlugin = index % 2 === 0;
    if (!usesPlugin) upstreams[`up-${index}`] = { url: `${options.upstreamUrl}/tenant/${index}`, method: 'POST' };
    accounts[account] = {
      credentials: credentials(`tenant-${index}`),
      applications: {
        [`AP-${index}`]: {
          target: usesPlugin ? { plugin: 'static', options: { verbs: BENCH_VERBS } } : { upstream: `up-${index}` },
        },
      },
    };
  }
  return { server: { host: '127.0.0.1' }, upstreams, accounts };
}

/** Per-application settings for the cache-hit route (issue 3's cache). */
const CACHE_SETTINGS: Record<string, unknown> = { cache: { ttlMs: 60_000, staleIfErrorMs: 60_000 } };
/** Per-application settings that open the breaker of the refused upstream after a few failures. */
const OPEN_BREAKER_SETTINGS: Record<string, unknown> = {
  breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, rollingWindowMs: 600_000, resetTimeoutMs: 600_000 },
};
