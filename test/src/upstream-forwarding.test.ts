import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { UpstreamAgents } from '@graine/core';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';

const UPSTREAM = 'http://tenant-backend.test';
const VERBS = [{ verb: 'say', text: 'from the tenant backend' }, { verb: 'hangup' }];
const AUTH = basicAuth('tenant1', 'secret-1');

/** The seed's fields as they arrive in a POST body (sip_status a number). */
const SEED_FIELDS = { ...Object.fromEntries(callHookQuery()), sip_status: 100 };

describe('an upstream target receives the hook exactly as configured (nock checks the wire)', () => {
  let gateway: TestGateway;
  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    gateway = await startTestGateway({
      upstreams: {
        'post-backend': {
          url: `${UPSTREAM}/hooks/call?tenant=1`,
          method: 'POST',
          auth: { username: 'gateway-user', password: '${UPSTREAM_PASSWORD}' },
          headers: { 'x-tenant-team': 'blue', 'x-api-version': '2' },
          timeoutMs: 1000,
        },
        'get-backend': { url: `${UPSTREAM}/hooks/call-get`, method: 'GET', timeoutMs: 1000 },
        'get-keyed-backend': { url: `${UPSTREAM}/hooks/call-get?key=tenant-key&to=configured`, method: 'GET', timeoutMs: 1000 },
      },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-1': { target: { upstream: 'post-backend' } },
            'AP-GET': { target: { upstream: 'get-backend' } },
            'AP-GET-KEYED': { target: { upstream: 'get-keyed-backend' } },
          },
        },
      },
    }, { env: { UPSTREAM_PASSWORD: 'upstream-secret' } });
  });
  afterEach(() => nock.cleanAll());

  /** One POST to the upstream's call hook, answered with VERBS; `received()` is its JSON body (it fails if none came). */
  function interceptPostedBody(): { received(): unknown } {
    let received: unknown;
    const scope = nock(UPSTREAM)
      .post('/hooks/call', (body) => {
        received = body;
        return true;
      })
      .query(true)
      .reply(200, VERBS, { 'content-type': 'application/json' });
    return {
      received() {
        expect(scope.isDone(), 'the upstream was called').to.equal(true);
        return received;
      },
    };
  }
  after(async () => {
    await gateway.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('POSTs the hook as a JSON body with the configured credentials, headers, request id and call sid', async () => {
    const scope = nock(UPSTREAM, {
      reqheaders: {
        authorization: basicAuth('gateway-user', 'upstream-secret'),
        'content-type': /^application\/json/,
        'x-tenant-team': 'blue',
        'x-api-version': '2',
        'x-request-id': 'req-post-1',
        'x-call-sid': 'CA-test-0001',
      },
    })
      .post('/hooks/call', (body) => {
        expect(body).to.deep.equal(SEED_FIELDS);
        return true;
      })
      .query({ tenant: '1' })
      .reply(200, VERBS, { 'content-type': 'application/json' });

    const response = await sendHook(`${gateway.url}/webhooks/call`, {
      method: 'POST',
      authorization: AUTH,
      body: SEED_FIELDS,
      headers: { 'x-request-id': 'req-post-1' },
    });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^application\/json/);
    expect(response.headers.get('x-request-id')).to.equal('req-post-1');
    expect(response.body).to.deep.equal(VERBS);
    expect(scope.isDone()).to.equal(true);
  });

  it("sends the upstream's answer on byte for byte when none of its hooks needs rewriting, and rewrites it when one does", async () => {
    // Spacing and key order no serialiser would produce: they survive only if the bytes pass through.
    const asWritten = '[ {"text": "as  written", "verb": "say"},\n  {"verb":"hangup"} ]';
    nock(UPSTREAM).post('/hooks/call').query(true).reply(200, asWritten, { 'content-type': 'application/json' });
    const untouched = await fetch(`${gateway.url}/webhooks/call?${callHookQuery()}`, { headers: { authorization: AUTH } });
    expect(untouched.headers.get('content-type')).to.match(/^application\/json/);
    expect(await untouched.text()).to.equal(asWritten);

    const withHook = '[ {"verb": "gather", "input": ["digits"], "actionHook": "/menu", "say": {"text": "press 1"}} ]';
    nock(UPSTREAM).post('/hooks/call').query(true).reply(200, withHook, { 'content-type': 'application/json' });
    const rewritten = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    expect(rewritten.body[0].actionHook).to.match(/^\/t\/[^/]+\/menu$/);
    expect(rewritten.body[0]).to.deep.include({ verb: 'gather', input: ['digits'], say: { text: 'press 1' } });
  });

  it('sends a legacy single-key answer on in verb form, not as the bytes the upstream wrote', async () => {
    nock(UPSTREAM).post('/hooks/call').query(true).reply(200, '[{"say": {"text": "legacy form"}}, {"hangup": {}}]', { 'content-type': 'application/json' });
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'legacy form' }, { verb: 'hangup' }]);
  });

  it("sends an action hook's answer on byte for byte too when none of its hooks needs rewriting", async () => {
    nock(UPSTREAM).post('/hooks/call').query(true).reply(200, [{ verb: 'gather', input: ['digits'], actionHook: '/menu', say: { text: 'press 1' } }]);
    const call = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    const actionHook = call.body[0].actionHook as string;
    expect(actionHook).to.match(/^\/t\/[^/]+\/menu$/);

    const asWritten = '[ {"text": "you pressed  1", "verb": "say"} ]';
    const scope = nock(UPSTREAM).post('/menu').reply(200, asWritten, { 'content-type': 'application/json' });
    const answer = await fetch(`${gateway.url}${actionHook}`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ ...SEED_FIELDS, digits: '1' }),
    });
    expect(scope.isDone(), 'the action hook reached the upstream').to.equal(true);
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('content-type')).to.match(/^application\/json/);
    expect(await answer.text()).to.equal(asWritten);
  });

  it('forwards a GET hook to a POST upstream as the same JSON body (sip_status as a number)', async () => {
    const upstream = interceptPostedBody();
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    expect(response.body).to.deep.equal(VERBS);
    expect(upstream.received()).to.deep.equal(SEED_FIELDS);
  });

  it('sends the hook to a GET upstream as query parameters, without a body, with the request id and call sid', async () => {
    const scope = nock(UPSTREAM, {
      reqheaders: { 'x-call-sid': 'CA-test-0001', 'x-request-id': 'req-get-1' },
      badheaders: ['authorization', 'content-type'],
    })
      .get('/hooks/call-get')
      .query({ ...Object.fromEntries(callHookQuery({ application_sid: 'AP-GET' })), platform_extra: 'kept' })
      .reply(200, VERBS, { 'content-type': 'application/json' });
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ application_sid: 'AP-GET' })}&platform_extra=kept`, {
      authorization: AUTH,
      headers: { 'x-request-id': 'req-get-1' },
    });
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal(VERBS);
    expect(scope.isDone()).to.equal(true);
  });

  it('keeps the query parameters configured in a GET upstream URL beside the hook fields, the configured ones winning', async () => {
    const hook = callHookQuery({ application_sid: 'AP-GET-KEYED' });
    const scope = nock(UPSTREAM)
      .get('/hooks/call-get')
      .query({ ...Object.fromEntries(hook), key: 'tenant-key', to: 'configured' })
      .reply(200, VERBS, { 'content-type': 'application/json' });
    const response = await sendHook(`${gateway.url}/webhooks/call?${hook}`, { authorization: AUTH });
    expect(response.body).to.deep.equal(VERBS);
    expect(scope.isDone()).to.equal(true);
  });

  it('gives every hook its own request id when the platform sends none, and forwards it', async () => {
    const seen: string[] = [];
    const scope = nock(UPSTREAM)
      .post('/hooks/call')
      .query(true)
      .times(2)
      .reply(function () {
        seen.push(String(this.req.headers['x-request-id']));
        return [200, VERBS, { 'content-type': 'application/json' }];
      });
    const first = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    const second = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    expect(seen).to.have.length(2);
    expect(seen[0]).to.not.equal(seen[1]);
    expect(seen).to.deep.equal([first.headers.get('x-request-id'), second.headers.get('x-request-id')]);
    expect(scope.isDone()).to.equal(true);
  });

  it('passes sip, defaults and env_vars to a POST upstream untouched', async () => {
    const extras = {
      sip: { headers: { 'X-CID': 'abc', 'P-Asserted-Identity': '<sip:+15551230000@carrier>' }, raw: 'INVITE sip:x SDP-SECRET-LINE', payload: [{ type: 'application/sdp', content: 'v=0' }] },
      defaults: { synthesizer: { vendor: 'google', language: 'en-US' }, recognizer: { vendor: 'google' } },
      env_vars: { API_KEY: 'env-secret-value-123', nested: { token: 'nested-secret-456' } },
      service_provider_sid: 'SP-1',
      customerData: { camelCase: 'kept' },
    };
    const upstream = interceptPostedBody();
    const response = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: AUTH, body: { ...SEED_FIELDS, ...extras } });
    expect(response.body).to.deep.equal(VERBS);
    expect(upstream.received()).to.deep.equal({ ...SEED_FIELDS, ...extras });
    const logs = gateway.rawLogs();
    for (const secret of ['env-secret-value-123', 'nested-secret-456', 'SDP-SECRET-LINE', 'P-Asserted-Identity', 'upstream-secret']) {
      expect(logs, secret).to.not.include(secret);
    }
  });
});

describe('upstream connections', () => {
  it('reuses one kept-alive connection to an upstream across hooks, even for two upstreams on one origin', async () => {
    // nock's pass-through opens a fresh socket per request; count real connections without it.
    nock.restore();
    let connections = 0;
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(VERBS));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gateway = await startTestGateway({
      upstreams: { first: { url: `${origin}/one`, timeoutMs: 1000 }, second: { url: `${origin}/two`, method: 'GET', timeoutMs: 1000 } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: { 'AP-1': { target: { upstream: 'first' } }, 'AP-2': { target: { upstream: 'second' } } },
        },
      },
    });
    try {
      for (let i = 0; i < 6; i++) {
        const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ application_sid: i % 2 ? 'AP-2' : 'AP-1' })}`, { authorization: AUTH });
        expect(response.body).to.deep.equal(VERBS);
      }
      expect(connections).to.equal(1);
    } finally {
      await gateway.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!nock.isActive()) nock.activate();
    }
  });

  it('shares one keep-alive agent per origin', () => {
    const agents = new UpstreamAgents();
    const first = agents.forOrigin(new URL('http://backend.test:8080/a'));
    const second = agents.forOrigin(new URL('http://backend.test:8080/b?x=1'));
    const other = agents.forOrigin(new URL('http://backend.test:8081/a'));
    const secure = agents.forOrigin(new URL('https://backend.test/a'));
    expect(first).to.equal(second);
    expect(first).to.not.equal(other);
    expect(secure).to.not.equal(first);
    expect((first as unknown as { keepAlive: boolean }).keepAlive).to.equal(true);
    agents.destroy();
  });
});
