import { expect } from 'chai';
import { sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { moved, scrape, seriesKey } from './support/metrics.js';
import { callInfo, eventually, followHook } from './support/platform.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

/** Action and status hooks, and the status queue, each move exactly their series. */
describe('metrics: action hooks, status hooks and the status queue', () => {
  let backend: UpstreamServer;
  let gateway: TestGateway;
  let nextAnswer = 200;
  const tenant1 = basicAuth('tenant1', 'secret-1');

  before(async () => {
    backend = await startUpstream((request, response) => {
      if (request.path === '/call-hook') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify([{ verb: 'gather', input: ['digits'], actionHook: '/next' }]));
      } else if (request.path === '/next') {
        response.writeHead(nextAnswer, { 'content-type': 'application/json' });
        response.end(JSON.stringify([{ verb: 'hangup' }]));
      } else if (request.path === '/broken-status') {
        response.writeHead(500).end();
      } else {
        response.writeHead(200).end();
      }
    });
    gateway = await startTestGateway({
      metrics: { defaultMetrics: false },
      server: { routeTokenSecret: 'metrics-whole-call-secret-0123456789' },
      upstreams: {
        backend: { url: `${backend.url}/call-hook`, timeoutMs: 1000 },
        'backend-status': { url: `${backend.url}/status`, timeoutMs: 500 },
        'broken-status': { url: `${backend.url}/broken-status`, timeoutMs: 500 },
      },
      statusForwarding: { retries: 0, backoffMs: 20 },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          statusUpstream: 'backend-status',
          applications: { 'AP-1': { target: { upstream: 'backend' } } },
        },
        'AC-2': {
          credentials: [{ username: 'tenant2', password: await passwordHash('secret-2') }],
          statusUpstream: 'broken-status',
          applications: { 'AP-2': { target: { upstream: 'backend' } } },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await backend.close();
  });

  async function actionHook(): Promise<string> {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'trying', sip_status: 100 }) });
    return answer.body[0].actionHook as string;
  }

  it('an answered action hook counts under kind "action" and the call\'s target', async () => {
    const hook = await actionHook();
    const before = await scrape(gateway.url);
    nextAnswer = 200;
    expect((await followHook(gateway.url, hook, callInfo({ digits: '1' }), { authorization: tenant1 })).status).to.equal(200);
    expect(moved(before, await scrape(gateway.url))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'action', outcome: 'answered', target: 'backend' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'action', outcome: 'answered' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'ok', target: 'backend' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'backend' })]: 1,
    });
  });

  it('an action hook whose upstream fails counts a fallback of kind "action" by reason', async () => {
    const hook = await actionHook();
    const before = await scrape(gateway.url);
    nextAnswer = 500;
    await followHook(gateway.url, hook, callInfo({ digits: '1' }), { authorization: tenant1 });
    expect(moved(before, await scrape(gateway.url))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'action', outcome: 'fallback', target: 'backend' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'action', outcome: 'fallback' })]: 1,
      [seriesKey('graine_fallbacks_total', { kind: 'action', reason: 'bad_status', target: 'backend' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'bad_status', target: 'backend' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'backend' })]: 1,
    });
  });

  it('a status hook is answered at once, then its forwarding shows in the status queue series', async () => {
    const before = await scrape(gateway.url);
    const delivered = backend.requests.filter((request) => request.path === '/status').length;
    const answer = await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'completed' }) });
    expect(answer.status).to.equal(200);
    await eventually(() => backend.requests.filter((request) => request.path === '/status').length > delivered);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(moved(before, await scrape(gateway.url))).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'status', outcome: 'answered', target: 'backend-status' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'status', outcome: 'answered' })]: 1,
      [seriesKey('graine_status_forwards_total', { result: 'enqueued' })]: 1,
      [seriesKey('graine_status_forwards_total', { result: 'delivered' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'ok', target: 'backend-status' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'backend-status' })]: 1,
    });
  });

  it('a status event whose sink keeps failing counts as failed, which the status-queue alert watches', async () => {
    const before = await scrape(gateway.url);
    const tenant2 = basicAuth('tenant2', 'secret-2');
    const body = callInfo({ account_sid: 'AC-2', application_sid: 'AP-2', call_status: 'completed' });
    expect((await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant2, body })).status).to.equal(200);
    let after = await scrape(gateway.url);
    for (let tries = 0; tries < 100 && after.get(seriesKey('graine_status_forwards_total', { result: 'failed' })) === before.get(seriesKey('graine_status_forwards_total', { result: 'failed' })); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await scrape(gateway.url);
    }
    expect(moved(before, after)).to.deep.equal({
      [seriesKey('graine_hooks_total', { kind: 'status', outcome: 'answered', target: 'broken-status' })]: 1,
      [seriesKey('graine_hook_duration_seconds_count', { kind: 'status', outcome: 'answered' })]: 1,
      [seriesKey('graine_status_forwards_total', { result: 'enqueued' })]: 1,
      [seriesKey('graine_status_forwards_total', { result: 'failed' })]: 1,
      [seriesKey('graine_upstream_requests_total', { result: 'bad_status', target: 'broken-status' })]: 1,
      [seriesKey('graine_upstream_request_duration_seconds_count', { target: 'broken-status' })]: 1,
    });
  });
});
