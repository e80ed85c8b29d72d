import { expect } from 'chai';
import { sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { callInfo, eventually, followHook } from './support/platform.js';
import { startUpstream, type RecordedRequest, type UpstreamServer } from './support/upstream-server.js';

/** A tenant backend written for the platform: it answers with relative hooks, as the platform's SDKs do. */
function menuBackend(request: RecordedRequest, response: import('node:http').ServerResponse): void {
  const reply = (verbs: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(verbs));
  };
  switch (request.path) {
    case '/call-hook':
      return reply([{ verb: 'gather', input: ['digits'], numDigits: 1, actionHook: '/menu-choice', say: { text: 'Press 1 for sales' } }]);
    case '/menu-choice': {
      const digits = (request.json() as { digits?: string }).digits;
      return reply([{ verb: 'dial', target: [{ type: 'phone', number: digits === '1' ? '15550001111' : '15550002222' }], actionHook: { url: '/dial-done', method: 'POST' } }]);
    }
    case '/menu-get':
      return reply([{ verb: 'say', text: 'got a GET' }]);
    case '/dial-done':
      return reply([{ verb: 'hangup' }]);
    case '/dtmf':
      response.writeHead(500).end();
      return;
    case '/fails':
      response.writeHead(503).end();
      return;
    case '/status':
      response.writeHead(200).end();
      return;
    default:
      response.writeHead(404).end();
  }
}

describe('a whole call through the gateway to a tenant backend', () => {
  let backend: UpstreamServer;
  let gateway: TestGateway;
  const tenant1 = basicAuth('tenant1', 'secret-1');
  const tenant2 = basicAuth('tenant2', 'secret-2');

  before(async () => {
    backend = await startUpstream(menuBackend);
    gateway = await startTestGateway({
      server: { routeTokenSecret: 'whole-call-test-secret-0123456789' },
      upstreams: {
        backend: { url: `${backend.url}/call-hook`, timeoutMs: 1000 },
        'backend-status': { url: `${backend.url}/status`, timeoutMs: 500 },
      },
      statusForwarding: { retries: 1, backoffMs: 20 },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          statusUpstream: 'backend-status',
          applications: { 'AP-1': { target: { upstream: 'backend' } } },
        },
        'AC-2': {
          credentials: [{ username: 'tenant2', password: await passwordHash('secret-2') }],
          applications: { 'AP-2': { target: { upstream: 'backend' } } },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await backend.close();
  });
  beforeEach(() => {
    backend.requests.length = 0;
  });

  async function startCall(): Promise<any[]> {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'trying', sip_status: 100 }) });
    expect(answer.status).to.equal(200);
    return answer.body;
  }

  it('plays gather → dial → hangup with the backend seeing each hook at its own path, and status events as sent: both legs, a duplicate and a late one', async () => {
    const [gather] = await startCall();
    expect(gather.verb).to.equal('gather');
    expect(gather.say).to.deep.equal({ text: 'Press 1 for sales' });
    expect(gather.actionHook).to.match(/^\/t\/[^/]+\/menu-choice$/);

    const digitsPayload = callInfo({ reason: 'dtmfDetected', digits: '1' });
    const afterGather = await followHook(gateway.url, gather.actionHook, digitsPayload, { authorization: tenant1 });
    expect(afterGather.status).to.equal(200);
    const [dial] = afterGather.body;
    expect(dial).to.deep.include({ verb: 'dial', target: [{ type: 'phone', number: '15550001111' }] });
    expect(dial.actionHook.method).to.equal('POST');
    expect(dial.actionHook.url).to.match(/^\/t\/[^/]+\/dial-done$/);

    const menuRequest = backend.requests.find((request) => request.path === '/menu-choice')!;
    expect(menuRequest.method).to.equal('POST');
    expect(menuRequest.body).to.equal(JSON.stringify(digitsPayload));
    expect(menuRequest.headers.authorization).to.equal(undefined);

    const afterDial = await followHook(gateway.url, dial.actionHook, callInfo({ dial_call_status: 'completed', dial_sip_status: 200 }), { authorization: tenant1 });
    expect(afterDial.body).to.deep.equal([{ verb: 'hangup' }]);
    expect(backend.requests.map((request) => request.path)).to.deep.equal(['/call-hook', '/menu-choice', '/dial-done']);

    const events = [
      callInfo({ call_status: 'ringing' }),
      callInfo({ call_status: 'in-progress' }),
      callInfo({ call_sid: 'CA-whole-1-b', parent_call_sid: 'CA-whole-1', direction: 'outbound', call_status: 'in-progress' }),
      callInfo({ call_sid: 'CA-whole-1-b', parent_call_sid: 'CA-whole-1', direction: 'outbound', call_status: 'completed' }),
      callInfo({ call_status: 'completed', duration: 42 }),
      callInfo({ call_status: 'completed', duration: 42 }),
      callInfo({ call_status: 'ringing' }),
    ];
    for (const event of events) {
      const answer = await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant1, body: event });
      expect(answer.status).to.equal(200);
    }
    const statusBodies = () => backend.requests.filter((request) => request.path === '/status').map((request) => request.body);
    await eventually(() => statusBodies().length === events.length);
    expect(statusBodies()).to.deep.equal(events.map((event) => JSON.stringify(event)));
  });

  it('routes a GET follow-up hook that carries no sids by its path alone', async () => {
    backend.setHandler((request, response) => {
      if (request.path === '/call-hook') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify([{ verb: 'gather', actionHook: { url: '/menu-get?lang=en', method: 'GET' } }]));
      } else menuBackend(request, response);
    });
    try {
      const [gather] = await startCall();
      const answer = await followHook(gateway.url, gather.actionHook, {}, { authorization: tenant1 });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal([{ verb: 'say', text: 'got a GET' }]);
      const forwarded = backend.requests.find((request) => request.path === '/menu-get')!;
      expect(forwarded.method).to.equal('GET');
      expect(forwarded.url.search).to.equal('?lang=en');
    } finally {
      backend.setHandler(menuBackend);
    }
  });

  it('refuses a forged route token with 404 and another tenant’s credentials with 403', async () => {
    const [gather] = await startCall();
    const token = (gather.actionHook as string).split('/')[2]!;
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const forgedAnswer = await followHook(gateway.url, `/t/${forged}/menu-choice`, callInfo({ digits: '1' }), { authorization: tenant1 });
    expect(forgedAnswer.status).to.equal(404);
    expect(forgedAnswer.body).to.deep.equal({ error: 'unknown route token' });

    const crossTenant = await followHook(gateway.url, gather.actionHook, callInfo({ digits: '1' }), { authorization: tenant2 });
    expect(crossTenant.status).to.equal(403);
    const anonymous = await followHook(gateway.url, gather.actionHook, callInfo({ digits: '1' }), {});
    expect(anonymous.status).to.equal(401);
    expect(backend.requests.filter((request) => request.path === '/menu-choice')).to.have.length(0);
  });

  it('answers a failed action hook with the mid-call fallback, and a failed notification hook with "no change"', async () => {
    const [gather] = await startCall();
    const token = (gather.actionHook as string).split('/')[2]!;
    const failed = await followHook(gateway.url, `/t/${token}/fails`, callInfo(), { authorization: tenant1 });
    expect(failed.status).to.equal(200);
    expect(failed.headers.get('x-gateway-outcome')).to.equal('fallback; reason=bad_status');
    expect(failed.body.at(-1)).to.deep.equal({ verb: 'hangup' });
    expect(failed.body.map((verb: { verb: string }) => verb.verb)).to.not.include('sip:decline');

    backend.setHandler((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify([{ verb: 'dial', target: [{ type: 'phone', number: '1' }], dtmfHook: '/dtmf' }]));
    });
    try {
      const [dial] = await startCall();
      backend.setHandler(menuBackend);
      const notification = await followHook(gateway.url, dial.dtmfHook, callInfo({ dtmf: '5' }), { authorization: tenant1 });
      expect(notification.status).to.equal(204);
    } finally {
      backend.setHandler(menuBackend);
    }
  });

  it('remembers the call, so a status event without account and application sids still reaches the tenant', async () => {
    await startCall();
    const answer = await sendHook(`${gateway.url}/webhooks/status`, {
      method: 'POST',
      authorization: tenant1,
      body: { call_sid: 'CA-whole-1', call_status: 'completed' },
    });
    expect(answer.body).to.deep.equal({ status: 'queued' });
    await eventually(() => backend.requests.some((request) => request.path === '/status'));
    const crossTenant = await sendHook(`${gateway.url}/webhooks/status`, {
      method: 'POST',
      authorization: tenant2,
      body: { call_sid: 'CA-whole-1', call_status: 'completed' },
    });
    expect(crossTenant.status).to.equal(403);
  });
});

describe('hooks to other hosts and named status hooks', () => {
  let backend: UpstreamServer;
  let otherHost: UpstreamServer;
  let gateway: TestGateway;
  const tenant1 = basicAuth('tenant1', 'secret-1');
  const tenant2 = basicAuth('tenant2', 'secret-2');

  before(async () => {
    otherHost = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify([{ verb: 'say', text: 'from the other host' }]));
    });
    backend = await startUpstream((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.path !== '/call-hook') return void response.end();
      response.end(
        JSON.stringify([
          { verb: 'conference', name: 'room-1', statusHook: '/conference-events', actionHook: `${otherHost.url}/after-conference` },
        ]),
      );
    });
    const account = async (username: string, password: string, routeAbsoluteHooks: boolean, application: string) => ({
      credentials: [{ username, password: await passwordHash(password) }],
      routeAbsoluteHooks,
      applications: { [application]: { target: { upstream: 'backend' } } },
    });
    gateway = await startTestGateway({
      upstreams: { backend: { url: `${backend.url}/call-hook`, auth: { username: 'gw', password: 'upstream-password' } } },
      accounts: {
        'AC-1': await account('tenant1', 'secret-1', true, 'AP-1'),
        'AC-2': await account('tenant2', 'secret-2', false, 'AP-2'),
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await backend.close();
    await otherHost.close();
  });

  const start = (authorization: string, account_sid: string, application_sid: string) =>
    sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization, body: callInfo({ account_sid, application_sid }) });

  it('leaves an absolute hook on another host alone by default', async () => {
    const answer = await start(tenant2, 'AC-2', 'AP-2');
    expect(answer.body[0].actionHook).to.equal(`${otherHost.url}/after-conference`);
  });

  it('routes an absolute hook on another host through the gateway when the tenant asks, without the upstream credentials', async () => {
    const answer = await start(tenant1, 'AC-1', 'AP-1');
    const hook = answer.body[0].actionHook as string;
    expect(hook).to.match(/^\/t\/[^/]+\/after-conference$/);
    const followed = await followHook(gateway.url, hook, callInfo(), { authorization: tenant1 });
    expect(followed.body).to.deep.equal([{ verb: 'say', text: 'from the other host' }]);
    const [request] = otherHost.requests;
    expect(request!.path).to.equal('/after-conference');
    expect(request!.headers.authorization).to.equal(undefined);
  });

  it('answers a named status hook at once and forwards it to the backend path that named it', async () => {
    const answer = await start(tenant1, 'AC-1', 'AP-1');
    const statusHook = answer.body[0].statusHook as string;
    expect(statusHook).to.match(/^\/t\/[^/]+\/conference-events$/);
    const event = { conference_sid: 'CF-1', event: 'join', call_sid: 'CA-whole-1', members: 2 };
    const queued = await followHook(gateway.url, statusHook, event, { authorization: tenant1 });
    expect(queued.status).to.equal(200);
    expect(queued.body).to.deep.equal({ status: 'queued' });
    await eventually(() => backend.requests.some((request) => request.path === '/conference-events'));
    const forwarded = backend.requests.find((request) => request.path === '/conference-events')!;
    expect(forwarded.body).to.equal(JSON.stringify(event));
    expect(forwarded.headers.authorization).to.equal(basicAuth('gw', 'upstream-password'));
  });
});
