import { createHmac, timingSafeEqual } from 'node:crypto';
import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { callInfo, eventually } from './support/platform.js';
import { startUpstream, type RecordedRequest, type UpstreamServer } from './support/upstream-server.js';

const NEW_SECRET = 'wh-secret-new-0001';
const OLD_SECRET = 'wh-secret-old-0000';

/** The platform's signature, written out independently of the gateway's code (protocol §3). */
function platformSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a tenant backend using the platform's SDK does with the header it receives. */
function backendVerifies(request: RecordedRequest, secret: string, header = 'jambonz-signature'): boolean {
  const value = request.headers[header];
  if (typeof value !== 'string') return false;
  const fields = Object.fromEntries(value.split(',').map((part) => part.split('=') as [string, string]));
  if (Math.abs(Date.now() / 1000 - Number(fields.t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${request.body}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook signatures', () => {
  let backend: UpstreamServer;
  let gateway: TestGateway;
  const tenant1 = basicAuth('tenant1', 'secret-1');
  const tenant2 = basicAuth('tenant2', 'secret-2');

  before(async () => {
    backend = await startUpstream((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.path === '/status') return void response.end();
      response.end(JSON.stringify(request.path === '/call-hook' ? [{ verb: 'gather', actionHook: '/menu' }] : [{ verb: 'hangup' }]));
    });
    gateway = await startTestGateway({
      upstreams: {
        signed: { url: `${backend.url}/call-hook`, signRequests: true, timeoutMs: 1000 },
        'signed-status': { url: `${backend.url}/status`, signRequests: true },
      },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          signature: { secrets: [NEW_SECRET, OLD_SECRET], acceptUnsignedGet: false },
          statusUpstream: 'signed-status',
          applications: { 'AP-1': { target: { upstream: 'signed' } } },
        },
        'AC-2': {
          credentials: [{ username: 'tenant2', password: await passwordHash('secret-2') }],
          signature: { secrets: ['tenant-two-secret'], header: 'X-Graine-Signature', toleranceSeconds: 60 },
          target: { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await backend.close();
  });

  const body = callInfo({ call_status: 'trying', sip_status: 100 });
  const raw = JSON.stringify(body);
  const post = (signature: string | undefined, rawBody = raw, authorization = tenant1, header = 'Jambonz-Signature') =>
    sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization, rawBody, headers: signature ? { [header]: signature } : {} });

  it('accepts a hook signed with the current secret, and with the previous one during rotation', async () => {
    expect((await post(platformSignature(NEW_SECRET, raw))).status).to.equal(200);
    expect((await post(platformSignature(OLD_SECRET, raw))).status).to.equal(200);
  });

  it('refuses expired, tampered, wrongly keyed and unsigned hooks with 401, before the upstream is called', async () => {
    backend.requests.length = 0;
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const cases = {
      expired: await post(platformSignature(NEW_SECRET, raw, tenMinutesAgo)),
      tampered: await post(platformSignature(NEW_SECRET, raw), raw.replace('15551230000', '15550000000')),
      'wrong secret': await post(platformSignature('not-the-secret', raw)),
      'missing header': await post(undefined),
      garbage: await post('t=1,v1=nothex'),
    };
    for (const [name, answer] of Object.entries(cases)) {
      expect(answer.status, name).to.equal(401);
      expect(answer.body.error, name).to.be.a('string');
    }
    expect(backend.requests).to.have.length(0);
    expect(gateway.logs.filter((line) => line.reason === 'invalid_signature').length).to.be.at.least(5);
    expect(gateway.rawLogs()).to.not.include(NEW_SECRET).and.not.include(OLD_SECRET);
  });

  it('verifies over the raw body bytes, whatever their formatting', async () => {
    const spaced = JSON.stringify(body, null, 2);
    expect((await post(platformSignature(NEW_SECRET, spaced), spaced)).status).to.equal(200);
  });

  it('refuses or accepts an unsigned GET as each account is configured, and reads the configured header', async () => {
    const refused = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: tenant1 });
    expect(refused.status).to.equal(401);
    const accepted = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-2', application_sid: 'AP-9' })}`, { authorization: tenant2 });
    expect(accepted.status).to.equal(200);

    const other = JSON.stringify(callInfo({ account_sid: 'AC-2', application_sid: 'AP-9' }));
    expect((await post(platformSignature('tenant-two-secret', other), other, tenant2, 'X-Graine-Signature')).status).to.equal(200);
    expect((await post(platformSignature('tenant-two-secret', other), other, tenant2, 'Jambonz-Signature')).status).to.equal(401);
  });

  it('checks follow-up and status hooks too', async () => {
    const answer = await post(platformSignature(NEW_SECRET, raw));
    const hook = answer.body[0].actionHook as string;
    const digits = JSON.stringify(callInfo({ digits: '1' }));
    const unsigned = await sendHook(`${gateway.url}${hook}`, { method: 'POST', authorization: tenant1, rawBody: digits });
    expect(unsigned.status).to.equal(401);
    const signed = await sendHook(`${gateway.url}${hook}`, { method: 'POST', authorization: tenant1, rawBody: digits, headers: { 'Jambonz-Signature': platformSignature(NEW_SECRET, digits) } });
    expect(signed.status).to.equal(200);
    const status = JSON.stringify(callInfo({ call_status: 'completed' }));
    const unsignedStatus = await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant1, rawBody: status });
    expect(unsignedStatus.status).to.equal(401);
  });

  it('signs what it forwards to an upstream with signRequests, so the backend can verify it with the platform algorithm', async () => {
    backend.requests.length = 0;
    const answer = await post(platformSignature(OLD_SECRET, raw));
    expect(answer.status).to.equal(200);
    const digits = JSON.stringify(callInfo({ digits: '1' }));
    await sendHook(`${gateway.url}${answer.body[0].actionHook}`, {
      method: 'POST',
      authorization: tenant1,
      rawBody: digits,
      headers: { 'Jambonz-Signature': platformSignature(NEW_SECRET, digits) },
    });
    const status = JSON.stringify(callInfo({ call_status: 'completed' }));
    await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant1, rawBody: status, headers: { 'Jambonz-Signature': platformSignature(NEW_SECRET, status) } });
    await eventually(() => backend.requests.some((request) => request.path === '/status'));

    const byPath = (path: string) => backend.requests.filter((request) => request.path === path);
    const [callHook] = byPath('/call-hook');
    expect(callHook!.body).to.equal(raw);
    // The gateway signs with the newest secret, whichever one the platform used.
    expect(backendVerifies(callHook!, NEW_SECRET)).to.equal(true);
    expect(backendVerifies(callHook!, OLD_SECRET)).to.equal(false);
    const menu = byPath('/menu').find((request) => request.method === 'POST')!;
    expect(menu.body).to.equal(digits);
    expect(backendVerifies(menu, NEW_SECRET)).to.equal(true);
    expect(backendVerifies(byPath('/status')[0]!, NEW_SECRET)).to.equal(true);
  });

  it('refuses a config where an upstream with signRequests serves an account without secrets', async () => {
    let failure: Error | undefined;
    try {
      const broken = await startTestGateway({
        upstreams: { signed: { url: `${backend.url}/call-hook`, signRequests: true } },
        accounts: { 'AC-3': { credentials: [{ username: 't3', password: await passwordHash('secret-3') }], target: { upstream: 'signed' } } },
      });
      await broken.stop();
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.message).to.match(/accounts\.AC-3: upstream signed has signRequests/);
  });
});
