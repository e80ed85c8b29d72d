import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { moved, scrape, seriesKey } from './support/metrics.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

/** Each outcome of the README's metrics catalogue, and exactly the series it moves. */
describe('metrics: each hook outcome moves exactly its series', () => {
  let gateway: TestGateway;
  const upstreams: UpstreamServer[] = [];
  const tenant1 = basicAuth('tenant1', 'secret-1');

  before(async () => {
    const healthy = await startUpstream(answerVerbs([{ verb: 'say', text: 'hi' }]));
    const broken = await startUpstream(answerVerbs({ error: 'boom' }, 500));
    const slow = await startUpstream(async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      answerVerbs([{ verb: 'say', text: 'late' }])(_request, response);
    });
    const gone = await startUpstream();
    await gone.close();
    upstreams.push(healthy, broken, slow);
    gateway = await startTestGateway({
      metrics: { defaultMetrics: false },
      upstreams: {
        backend: { url: `${healthy.url}/hook` },
        'broken-backend': { url: `${broken.url}/hook` },
        'slow-backend': { url: `${slow.url}/hook` },
        'gone-backend': { url: `${gone.url}/hook` },
      },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-plugin': { target: { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } },
            'AP-up': { target: { upstream: 'backend' } },
            'AP-broken': { target: { upstream: 'broken-backend' } },
            'AP-slow': { target: { upstream: 'slow-backend' }, deadlineMs: 150 },
            'AP-gone': { target: { upstream: 'gone-backend' } },
          },
        },
        'AC-2': { credentials: [{ username: 'tenant2', password: await passwordHash('secret-2') }] },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });

  async function movedBy(send: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await scrape(gateway.url);
    await send();
    return moved(before, await scrape(gateway.url));
  }
  const hook = (application: string, authorization = tenant1, overrides: Record<string, string | undefined> = {}) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: application, ...overrides })}`, {
      ...(authorization && { authorization }),
    });

  it('an answer from a plugin counts one answered hook under the plugin\'s name', async () => {
    expect(await movedBy(() => hook('AP-plugin'))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'answered', target: 'static' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'answered' })]: 1,
      [seriesKey('graine_plugin_handler_duration_seconds_count', { handler: 'callHook', plugin: 'static' })]: 1,
      // The target's breaker is created, closed, on first use.
      [seriesKey('graine_breaker_state', { state: 'closed', target: 'static' })]: 1,
    });
  });

  it('an answer from an upstream also counts the upstream request by target name, never by URL', async () => {
    expect(await movedBy(() => hook('AP-up'))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'answered', target: 'backend' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'answered' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'ok', target: 'backend' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'backend' })]: 1,
      [seriesKey('graine_breaker_state', { state: 'closed', target: 'backend' })]: 1,
    });
  });

  for (const [application, target, reason] of [
    ['AP-broken', 'broken-backend', 'bad_status'],
    ['AP-slow', 'slow-backend', 'timeout'],
    ['AP-gone', 'gone-backend', 'connect_error'],
  ] as const) {
    it(`a fallback after ${reason} counts the fallback by reason and target, and the failed upstream request`, async () => {
      // A refused connection is retried once (resilience: retry rules), so it makes two upstream requests.
      const attempts = reason === 'connect_error' ? 2 : 1;
      expect(await movedBy(() => hook(application))).to.deep.equal({
        [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'fallback', target })]: 1,
        [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'fallback' })]: 1,
        [seriesKey('graine_fallbacks_total', { kind: 'call', reason, target })]: 1,
        [seriesKey('graine_upstream_requests_total', { result: reason, target })]: attempts,
        [seriesKey('graine_upstream_request_duration_seconds_count', { target })]: attempts,
        [seriesKey('graine_breaker_state', { state: 'closed', target })]: 1,
      });
    });
  }

  for (const [why, authorization, reason, authFailure] of [
    ['no credentials', '', 'unauthenticated', 'missing'],
    ['credentials that are not Basic', 'Bearer abc', 'unauthenticated', 'malformed'],
    ['a wrong password', basicAuth('tenant1', 'wrong'), 'unauthenticated', 'invalid'],
    ["another tenant's credentials", basicAuth('tenant2', 'secret-2'), 'forbidden', 'forbidden'],
  ] as const) {
    it(`a hook with ${why} counts a rejection (${reason}) and an authentication failure (${authFailure})`, async () => {
      expect(await movedBy(() => hook('AP-plugin', authorization))).to.deep.equal({
        [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'rejected', target: 'none' })]: 1,
        [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'rejected' })]: 1,
        [seriesKey('graine_hook_rejections_total', { kind: 'call', reason })]: 1,
        [seriesKey('graine_auth_failures_total', { reason: authFailure })]: 1,
      });
    });
  }

  it('an invalid hook counts a rejection but no authentication failure', async () => {
    expect(await movedBy(() => hook('AP-plugin', tenant1, { call_sid: undefined }))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'call', outcome: 'rejected', target: 'none' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'call', outcome: 'rejected' })]: 1,
      [seriesKey('graine_hook_rejections_total', { kind: 'call', reason: 'invalid_request' })]: 1,
    });
  });

  it('shows the serving config generation and the default deadline', async () => {
    const samples = await scrape(gateway.url);
    expect(samples.get('graine_config_generation')).to.equal(1);
    expect(samples.get('graine_hook_deadline_seconds')).to.equal(8);
  });

  it('buckets hook durations from 1 ms to 10 s, as the catalogue lists', async () => {
    await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: 'AP-plugin' })}`, { authorization: tenant1 });
    const bounds = new Set<string>();
    for (const key of (await scrape(gateway.url)).keys()) {
      const bucket = /^graine_hook_duration_seconds_bucket\{.*le="([^"]+)"/.exec(key);
      if (bucket) bounds.add(bucket[1]!);
    }
    expect([...bounds]).to.deep.equal(['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2', '4', '6', '8', '10', '+Inf']);
  });
});
