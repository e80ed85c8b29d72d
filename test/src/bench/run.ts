/**
 * `pnpm bench`: the gateway's paths measured against their floors, in one run, on this machine, over loopback.
 * Bounded: every load run stops after BENCH_SECONDS (default 5) and the whole run takes a few minutes.
 * Figures go to stdout and to bench-results/latest.json; they belong here, never in a timed test.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@graine/core';
import { BENCH_PASSWORD, BENCH_ROUTES, BENCH_USER, benchConfig, fillerAccount } from './bench-config.js';
import { measure, type LoadResult } from './measure.js';
import { measurePaced } from './paced-load.js';
import { choosePinning, currentRssMb, freePort, peakRssMb, pinSelf, startProcess, type StartedProcess } from './processes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 10_000);
const LIVE_BREAKERS = Math.min(1000, Math.floor(TENANTS / 2));
const GLIBC_MMAP_THRESHOLD = '1048576';

const TARGETS = {
  pluginVsBareKoa: 0.8,
  cacheHitVsBareKoa: 0.7,
  upstreamVsKoaGot: 0.85,
  addedP99AtFixedRateMs: 2,
  rssMb: 200,
  startupMs: 2000,
};

function basic(user: string): string {
  return `Basic ${Buffer.from(`${user}:${BENCH_PASSWORD}`).toString('base64')}`;
}

function hookQuery(route: { account: string; application: string }, callSid = 'CA-bench'): string {
  return new URLSearchParams({
    call_sid: callSid,
    account_sid: route.account,
    application_sid: route.application,
    direction: 'inbound',
    from: '15551230000',
    to: '15559870000',
    caller_name: 'Bench',
    call_status: 'trying',
    sip_status: '100',
  }).toString();
}

/**
 * As `pnpm start` runs the gateway (package.json, README "Performance"): V8's young generation capped at
 * 2 × 8 MB instead of 2 × 16 MB, ~20 MB less RSS with no throughput change we could measure.
 */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=8'];

async function main(): Promise<void> {
  const pinning = choosePinning();
  pinSelf(pinning.loadCores);
  console.log(`graine-gateway benchmark: ${SECONDS}s per run, ${CONNECTIONS} connections, ${TENANTS} tenants; ${pinning.description}; stub backend on the load generator's CPU; gateway with MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? GLIBC_MMAP_THRESHOLD} ${GATEWAY_NODE_FLAGS.join(' ')}`);

  const processes: StartedProcess[] = [];
  const referenceServer = async (kind: string, extra: string[] = [], cores = pinning.serverCores) => {
    const port = await freePort();
    const started = await startProcess([join(HERE, 'reference-servers.js'), kind, String(port), ...extra], {
      cores,
      readyText: '"listening"',
    });
    processes.push(started);
    return `http://127.0.0.1:${port}`;
  };

  try {
    // The stub backend shares the load generator's core: on two cores, a proxy under test and its backend
    // on one core would spend the run waiting for each other's time slices.
    const upstreamUrl = await referenceServer('upstream-stub', [], pinning.loadCores);
    const bareKoaUrl = await referenceServer('bare-koa');
    const koaGotUrl = await referenceServer('koa-got', [`${upstreamUrl}/call-hook`]);

    const directory = await mkdtemp(join(tmpdir(), 'graine-bench-'));
    const configFile = join(directory, 'gateway.json.yaml');
    const refusedUrl = `http://127.0.0.1:${await freePort()}`;
    await writeFile(
      configFile,
      JSON.stringify(benchConfig({ tenantCount: TENANTS, upstreamUrl, refusedUrl, passwordHash: await hashPassword(BENCH_PASSWORD) })),
    );
    const gatewayPort = await freePort();
    // Start-up is measured from spawn to the first answer on the port, with every tenant compiled.
    const gateway = await startProcess([...GATEWAY_NODE_FLAGS, join(ROOT, 'packages/server/bin/graine-gateway.js'), 'start', '--config', configFile], {
      cores: pinning.serverCores,
      readyUrl: `http://127.0.0.1:${gatewayPort}/`,
      env: {
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        // As `pnpm start` runs it (README, Performance): large blocks go back to the system when freed.
        MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? GLIBC_MMAP_THRESHOLD,
      },
    });
    processes.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const memory: Record<string, number | undefined> = { afterStartMb: currentRssMb(gateway.child.pid!), peakAtStartMb: peakRssMb(gateway.child.pid!) };
    const hookUrl = (route: { account: string; application: string }) => `${gatewayUrl}/webhooks/call?${hookQuery(route)}`;
    const authOf = { plugin: basic(BENCH_USER), upstream: basic(`${BENCH_USER}-upstream`), cacheHit: basic(`${BENCH_USER}-cache`), open: basic(`${BENCH_USER}-open`) };

    // 1,000 live breakers, before any load: one hook to each of that many distinct upstream tenants
    // (each tenant's first hook also runs its scrypt check, two at a time).
    const breakerTenants = Array.from({ length: LIVE_BREAKERS }, (_, made) => 1 + 2 * made);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let index = breakerTenants.shift(); index !== undefined; index = breakerTenants.shift()) {
          await fetch(`${gatewayUrl}/webhooks/call?${hookQuery({ account: fillerAccount(index), application: `AP-${index}` })}`, {
            headers: { authorization: basic(`tenant-${index}`) },
          }).then((response) => response.arrayBuffer());
        }
      }),
    );
    memory.withLiveBreakersMb = currentRssMb(gateway.child.pid!);

    const paths: Array<{ name: string; url: string; headers?: Record<string, string>; method?: 'GET' | 'POST'; body?: string }> = [
      { name: 'direct upstream', url: `${upstreamUrl}/call-hook?${hookQuery(BENCH_ROUTES.upstream)}` },
      { name: 'bare Koa (memory)', url: `${bareKoaUrl}/webhooks/call?${hookQuery(BENCH_ROUTES.plugin)}` },
      { name: 'bare Koa + got', url: `${koaGotUrl}/webhooks/call?${hookQuery(BENCH_ROUTES.upstream)}` },
      { name: 'gateway: plugin', url: hookUrl(BENCH_ROUTES.plugin), headers: { authorization: authOf.plugin } },
      { name: 'gateway: upstream', url: hookUrl(BENCH_ROUTES.upstream), headers: { authorization: authOf.upstream } },
      { name: 'gateway: cache hit', url: hookUrl(BENCH_ROUTES.cacheHit), headers: { authorization: authOf.cacheHit } },
      { name: 'gateway: open breaker', url: hookUrl(BENCH_ROUTES.openBreaker), headers: { authorization: authOf.open } },
    ];

    // Warm up every path (JIT, connection pools, credential cache, the cache entry, the breaker opening).
    for (const path of paths) await measure({ ...path, durationSeconds: 1, connections: 4 });

    // A steady 500 req/s (one request every 2 ms, open loop), timed in microseconds: see paced-load.ts.
    // Measured twice: in steady state, before the saturating runs (the verdict), and again right after
    // them, when the gateway still carries the heap they left.
    const pathNamed = (name: string) => paths.find((path) => path.name === name)!;
    const fixedRate = async (path: (typeof paths)[number]) => measurePaced({ url: path.url, ...(path.headers && { headers: path.headers }), rate: 500, durationSeconds: SECONDS });
    const ms = (value: number) => value.toFixed(2);
    const pacedRound = async (when: string) => {
      const direct = await fixedRate(pathNamed('direct upstream'));
      const gatewayUpstream = await fixedRate(pathNamed('gateway: upstream'));
      const gatewayPlugin = await fixedRate(pathNamed('gateway: plugin'));
      const addedP99Ms = gatewayUpstream.p99Ms - direct.p99Ms;
      console.log(
        `at 500 req/s (paced, ${when}): direct p50 ${ms(direct.p50Ms)} p99 ${ms(direct.p99Ms)} ms; gateway upstream p50 ${ms(gatewayUpstream.p50Ms)} p99 ${ms(gatewayUpstream.p99Ms)} ms → added p99 ${ms(addedP99Ms)} ms; ` +
          `gateway plugin p50 ${ms(gatewayPlugin.p50Ms)} p99 ${ms(gatewayPlugin.p99Ms)} ms; failed ${direct.failed + gatewayUpstream.failed + gatewayPlugin.failed}`,
      );
      return { direct, gatewayUpstream, gatewayPlugin, addedP99Ms };
    };
    const steady = await pacedRound('steady state');

    const results: Record<string, LoadResult> = {};
    for (const path of paths) {
      results[path.name] = await measure({ ...path, durationSeconds: SECONDS, connections: CONNECTIONS });
      const r = results[path.name]!;
      console.log(`${path.name.padEnd(24)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  non-2xx ${r.non2xx}  errors ${r.errors}`);
    }
    const afterSaturation = await pacedRound('right after the saturating runs');
    const addedP99 = steady.addedP99Ms;

    memory.afterLoadMb = currentRssMb(gateway.child.pid!);
    const rss = peakRssMb(gateway.child.pid!);
    console.log(`gateway RSS: ${Object.entries(memory).map(([phase, mb]) => `${phase} ${mb?.toFixed(0)}`).join(', ')}, peak ${rss?.toFixed(0)} MB`);

    const ratio = (a: string, b: string) => results[a]!.requestsPerSecond / results[b]!.requestsPerSecond;
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      pinning: pinning.description,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      tenants: TENANTS,
      results,
      ratios: {
        pluginVsBareKoa: ratio('gateway: plugin', 'bare Koa (memory)'),
        cacheHitVsBareKoa: ratio('gateway: cache hit', 'bare Koa (memory)'),
        upstreamVsKoaGot: ratio('gateway: upstream', 'bare Koa + got'),
        upstreamVsDirect: ratio('gateway: upstream', 'direct upstream'),
        openBreakerVsBareKoa: ratio('gateway: open breaker', 'bare Koa (memory)'),
      },
      fixedRate500: { steady, afterSaturation },
      peakRssMb: rss,
      memory,
      liveBreakers: LIVE_BREAKERS,
      startupMs: gateway.startupMs,
      targets: TARGETS,
    };
    const verdict = (value: number | undefined, target: number, higherIsBetter: boolean) =>
      value === undefined ? 'n/a' : (higherIsBetter ? value >= target : value <= target) ? 'met' : 'NOT met';
    console.log('\nratio                      measured   target   verdict');
    const row = (name: string, value: number | undefined, target: number, higher: boolean, unit = '') =>
      console.log(`${name.padEnd(26)} ${(value === undefined ? 'n/a' : value.toFixed(2) + unit).padStart(9)}  ${(String(target) + unit).padStart(7)}   ${verdict(value, target, higher)}`);
    row('plugin / bare Koa', summary.ratios.pluginVsBareKoa, TARGETS.pluginVsBareKoa, true);
    row('cache hit / bare Koa', summary.ratios.cacheHitVsBareKoa, TARGETS.cacheHitVsBareKoa, true);
    row('upstream / Koa + got', summary.ratios.upstreamVsKoaGot, TARGETS.upstreamVsKoaGot, true);
    row('added p99, 500 req/s steady', addedP99, TARGETS.addedP99AtFixedRateMs, false, ' ms');
    row('RSS, 1,000 live breakers', memory.withLiveBreakersMb, TARGETS.rssMb, false, ' MB');
    row('peak RSS under load', rss, TARGETS.rssMb, false, ' MB');
    row(`start-up, ${TENANTS} tenants`, gateway.startupMs, TARGETS.startupMs, false, ' ms');

    const out = join(ROOT, 'bench-results');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'latest.json'), JSON.stringify(summary, null, 2));
    console.log(`\nwritten to ${join(out, 'latest.json')}`);
  } finally {
    await Promise.all(processes.map((started) => started.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
