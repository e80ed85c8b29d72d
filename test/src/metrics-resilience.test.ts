import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { moved, scrape, seriesKey } from './support/metrics.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

/** cache_hit, stale and circuit_open: the resilience outcomes move exactly their series. */
describe('metrics: cached, stale and circuit-open answers', () => {
  let gateway: TestGateway;
  let upstream: UpstreamServer;
  const failing = new Set<string>();
  const tenant1 = basicAuth('tenant1', 'secret-1');

  before(async () => {
    upstream = await startUpstream((request, response) => {
      const status = failing.has(request.path) ? 500 : 200;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify([{ verb: 'say', text: 'menu' }]));
    });
    gateway = await startTestGateway({
      metrics: { defaultMetrics: false },
      upstreams: { menu: { url: `${upstream.url}/menu` }, flaky: { url: `${upstream.url}/flaky` } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-menu': { target: { upstream: 'menu' }, cache: { ttlMs: 100, staleIfErrorMs: 60_000 } },
            'AP-flaky': { target: { upstream: 'flaky' }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } },
          },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  const hook = (application: string) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: application })}`, { authorization: tenant1 });
  /** The series that moved; the cache's byte gauge is checked apart, as its size depends on the key. */
  async function movedBy(send: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await scrape(gateway.url);
    await send();
    const changes = moved(before, await scrape(gateway.url));
    delete changes.graine_cache_bytes;
    return changes;
  }

  it('a cache miss calls the upstream; a fresh hit counts outcome cache_hit and calls nothing', async () => {
    const miss = await movedBy(() => hook('AP-menu'));
    expect(miss).to.deep.include({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'answered', target: 'menu' })]: 1,
      [seriesKey('graine_cache_events_total', { event: 'miss' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'ok', target: 'menu' })]: 1,
    });
    expect((await scrape(gateway.url)).get('graine_cache_bytes')).to.be.greaterThan(0);
    expect(await movedBy(() => hook('AP-menu'))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'cache_hit', target: 'menu' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'cache_hit' })]: 1,
      [seriesKey('graine_cache_events_total', { event: 'hit' })]: 1,
    });
  });

  it('an expired answer stands in for a failing upstream: outcome stale, no fallback counted', async () => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    failing.add('/menu');
    expect(await movedBy(() => hook('AP-menu'))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'stale', target: 'menu' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'stale' })]: 1,
      // The lookup after expiry is a miss; the stale answer then stands in for the failure.
      [seriesKey('graine_cache_events_total', { event: 'miss' })]: 1,
      [seriesKey('graine_cache_events_total', { event: 'stale' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'bad_status', target: 'menu' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'menu' })]: 1,
    });
  });

  it('an open breaker counts a circuit_open fallback, its transition and state, and no upstream request', async () => {
    failing.add('/flaky');
    await hook('AP-flaky');
    await hook('AP-flaky');
    const samples = await scrape(gateway.url);
    expect(samples.get(seriesKey('graine_breaker_transitions_total', { target: 'flaky', to: 'open' }))).to.equal(1);
    expect(samples.get(seriesKey('graine_breaker_state', { state: 'open', target: 'flaky' }))).to.equal(1);
    expect(await movedBy(() => hook('AP-flaky'))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'fallback', target: 'flaky' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'fallback' })]: 1,
      [seriesKey('graine_fallbacks_total', { kind: 'call', reason: 'circuit_open', target: 'flaky' })]: 1,
    });
  });
});
