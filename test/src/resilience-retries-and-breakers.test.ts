import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { sleep } from './support/sleep.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

const VERBS = [{ verb: 'say', text: 'from the backend' }];
const authorization = basicAuth('tenant1', 'secret-1');

/** One gateway whose applications each point at their own upstream path on one misbehaving server. */
async function gatewayFor(upstream: UpstreamServer, applications: Record<string, { path: string; deadlineMs: number; timeoutMs?: number; breaker?: object }>) {
  const upstreams: Record<string, object> = {};
  const apps: Record<string, object> = {};
  for (const [sid, app] of Object.entries(applications)) {
    upstreams[sid] = { url: `${upstream.url}${app.path}`, ...(app.timeoutMs && { timeoutMs: app.timeoutMs }) };
    apps[sid] = { target: { upstream: sid }, deadlineMs: app.deadlineMs, ...(app.breaker && { breaker: app.breaker }) };
  }
  return startTestGateway({
    upstreams,
    accounts: { 'AC-1': { credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }], applications: apps } },
  });
}

function hook(gateway: TestGateway, applicationSid: string, callSid = 'CA-1') {
  return sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: applicationSid, call_sid: callSid })}`, {
    authorization,
  });
}

describe('retries: at most one, only for transient failures, only within the budget', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const seen = new Map<string, number>();

  before(async () => {
    upstream = await startUpstream((request, response) => {
      const count = (seen.get(request.path) ?? 0) + 1;
      seen.set(request.path, count);
      switch (request.path) {
        case '/503-once':
          return count === 1 ? answerVerbs([], 503)(request, response) : answerVerbs(VERBS)(request, response);
        case '/reset-once':
          if (count === 1) return void response.socket?.destroy();
          return answerVerbs(VERBS)(request, response);
        case '/always-503':
          return answerVerbs([], 503)(request, response);
        case '/slow-503':
          return void setTimeout(() => answerVerbs([], 503)(request, response), 350);
        case '/500':
          return answerVerbs([], 500)(request, response);
        default:
          // never answers
          return;
      }
    });
    gateway = await gatewayFor(upstream, {
      'AP-503-once': { path: '/503-once', deadlineMs: 800 },
      'AP-reset-once': { path: '/reset-once', deadlineMs: 800 },
      'AP-always-503': { path: '/always-503', deadlineMs: 800 },
      'AP-slow-503': { path: '/slow-503', deadlineMs: 500 },
      'AP-500': { path: '/500', deadlineMs: 800 },
      'AP-hang': { path: '/hang', deadlineMs: 900, timeoutMs: 200 },
    });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it('retries a 503 once and answers with the second attempt', async () => {
    const response = await hook(gateway, 'AP-503-once');
    expect(response.body).to.deep.equal(VERBS);
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
    expect(seen.get('/503-once')).to.equal(2);
  });

  it('retries a connection reset once and answers with the second attempt', async () => {
    const response = await hook(gateway, 'AP-reset-once');
    expect(response.body).to.deep.equal(VERBS);
    expect(seen.get('/reset-once')).to.equal(2);
  });

  it('gives up after one retry', async () => {
    const response = await hook(gateway, 'AP-always-503');
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=bad_status');
    expect(seen.get('/always-503')).to.equal(2);
  });

  it('does not retry a 500', async () => {
    await hook(gateway, 'AP-500');
    expect(seen.get('/500')).to.equal(1);
  });

  it('does not retry a timeout, even with budget left', async () => {
    const response = await hook(gateway, 'AP-hang');
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
    // Let a wrongly scheduled retry arrive before counting.
    await sleep(100);
    expect(seen.get('/hang')).to.equal(1);
  });

  it('does not retry when too little of the budget is left', async () => {
    const response = await hook(gateway, 'AP-slow-503');
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=bad_status');
    await sleep(100);
    expect(seen.get('/slow-503')).to.equal(1);
  });
});

describe('circuit breakers: an open breaker sends nothing to the upstream, then exactly one probe', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const breaker = { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 500, rollingWindowMs: 10_000 };
  const requestsTo = (path: string) => upstream.requests.filter((request) => request.path === path).length;
  const modes = new Map<string, 'fail' | 'slow-ok'>([
    ['/recovering', 'fail'],
    ['/still-broken', 'fail'],
  ]);

  before(async () => {
    upstream = await startUpstream((request, response) => {
      if (request.path === '/healthy') return answerVerbs(VERBS)(request, response);
      if (modes.get(request.path) === 'slow-ok') return void setTimeout(() => answerVerbs(VERBS)(request, response), 150);
      return answerVerbs([], 500)(request, response);
    });
    gateway = await gatewayFor(upstream, {
      'AP-recovering': { path: '/recovering', deadlineMs: 800, breaker },
      'AP-still-broken': { path: '/still-broken', deadlineMs: 800, breaker },
      'AP-healthy': { path: '/healthy', deadlineMs: 800, breaker },
    });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it('opens after the threshold, fails fast without reaching the upstream, lets one probe through after the reset timeout, and recovers', async () => {
    for (let i = 0; i < 2; i++) expect((await hook(gateway, 'AP-recovering')).headers.get('x-gateway-outcome')).to.equal('fallback; reason=bad_status');
    expect(requestsTo('/recovering')).to.equal(2);

    for (let i = 0; i < 5; i++) {
      const response = await hook(gateway, 'AP-recovering');
      expect(response.status).to.equal(200);
      expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=circuit_open');
    }
    expect(requestsTo('/recovering'), 'nothing reaches the upstream while open').to.equal(2);
    expect((await hook(gateway, 'AP-healthy')).body, 'another target is not affected').to.deep.equal(VERBS);

    modes.set('/recovering', 'slow-ok');
    await sleep(breaker.resetTimeoutMs + 100);
    const concurrent = await Promise.all([1, 2, 3].map((n) => hook(gateway, 'AP-recovering', `CA-probe-${n}`)));
    expect(requestsTo('/recovering'), 'exactly one probe').to.equal(3);
    const outcomes = concurrent.map((response) => response.headers.get('x-gateway-outcome')).sort();
    expect(outcomes).to.deep.equal(['fallback; reason=circuit_open', 'fallback; reason=circuit_open', null]);

    expect((await hook(gateway, 'AP-recovering')).body, 'closed again after the probe succeeded').to.deep.equal(VERBS);
    expect(requestsTo('/recovering')).to.equal(4);
  });

  it('re-opens when the probe fails', async () => {
    for (let i = 0; i < 2; i++) await hook(gateway, 'AP-still-broken');
    expect((await hook(gateway, 'AP-still-broken')).headers.get('x-gateway-outcome')).to.equal('fallback; reason=circuit_open');
    await sleep(breaker.resetTimeoutMs + 100);
    expect((await hook(gateway, 'AP-still-broken')).headers.get('x-gateway-outcome'), 'the probe').to.equal('fallback; reason=bad_status');
    expect(requestsTo('/still-broken')).to.equal(3);
    expect((await hook(gateway, 'AP-still-broken')).headers.get('x-gateway-outcome')).to.equal('fallback; reason=circuit_open');
    expect(requestsTo('/still-broken')).to.equal(3);
  });

  it('reports breaker transitions as metrics by target name', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).to.match(/graine_breaker_transitions_total\{target="AP-recovering",to="open"\} [1-9]/);
    expect(metrics).to.match(/graine_breaker_transitions_total\{target="AP-recovering",to="closed"\} 1/);
  });
});

describe('breaker thresholds are inherited field by field: application over account over defaults', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const requestsTo = (path: string) => upstream.requests.filter((request) => request.path === path).length;

  before(async () => {
    upstream = await startUpstream(answerVerbs([], 500));
    gateway = await startTestGateway({
      defaults: { breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } },
      upstreams: { inherits: { url: `${upstream.url}/inherits` }, overrides: { url: `${upstream.url}/overrides` } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          breaker: { errorThresholdPercentage: 40 },
          applications: {
            'AP-inherits': { target: { upstream: 'inherits' }, deadlineMs: 800 },
            'AP-overrides': { target: { upstream: 'overrides' }, deadlineMs: 800, breaker: { volumeThreshold: 4 } },
          },
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it("opens after the defaults' volume threshold for an application that sets none, and after its own for one that does", async () => {
    const outcomes = async (applicationSid: string) => {
      const seen: Array<string | null> = [];
      for (let n = 0; n < 5; n++) seen.push((await hook(gateway, applicationSid, `CA-${applicationSid}-${n}`)).headers.get('x-gateway-outcome'));
      return seen;
    };
    const bad = 'fallback; reason=bad_status';
    const open = 'fallback; reason=circuit_open';
    expect(await outcomes('AP-inherits')).to.deep.equal([bad, bad, open, open, open]);
    expect(requestsTo('/inherits')).to.equal(2);
    expect(await outcomes('AP-overrides')).to.deep.equal([bad, bad, bad, bad, open]);
    expect(requestsTo('/overrides')).to.equal(4);
  });
});
