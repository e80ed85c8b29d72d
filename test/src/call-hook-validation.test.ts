import { expect } from 'chai';
import { callHookQuery, sendHook, type HookResponse } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { rawRequest, type RawResponse } from './support/raw-request.js';

const AUTH = basicAuth('tenant1', 'secret-1');
const BODY_LIMIT = 2048;

/** The seed's fields as a POST body. */
function seedBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...Object.fromEntries(callHookQuery()), sip_status: 100, ...overrides };
}

function expectBadRequest(response: HookResponse | RawResponse, field: string, problem?: RegExp): void {
  const body = 'json' in response ? response.json : response.body;
  const contentType = 'json' in response ? response.headers['content-type'] : response.headers.get('content-type');
  expect(response.status, JSON.stringify(body)).to.equal(400);
  expect(contentType).to.match(/^application\/json/);
  expect(body).to.have.property('error').that.is.a('string').and.not.empty;
  expect(body.details).to.be.an('array').that.is.not.empty;
  for (const detail of body.details) expect(detail).to.have.all.keys('field', 'problem');
  const named = (body.details as Array<{ field: string; problem: string }>).filter((detail) => detail.field === field);
  expect(named, `details name ${field}: ${JSON.stringify(body.details)}`).to.not.be.empty;
  if (problem) expect(named.map((detail) => detail.problem).join('; ')).to.match(problem);
}

describe('invalid call hooks are answered 400 with the field and the problem', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      server: { bodyLimitBytes: BODY_LIMIT },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text: 'ok' }, { verb: 'hangup' }] } } },
          },
        },
      },
    });
  });
  after(() => gateway.stop());

  const get = (overrides: Record<string, string | undefined> = {}) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery(overrides)}`, { authorization: AUTH });
  const getQuery = (query: string) => sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: AUTH });
  const post = (body: unknown, query = '') =>
    sendHook(`${gateway.url}/webhooks/call${query ? `?${query}` : ''}`, { method: 'POST', authorization: AUTH, body });

  it('accepts the seed request (the baseline the 400 cases differ from)', async () => {
    const response = await get();
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'ok' }, { verb: 'hangup' }]);
  });

  for (const field of ['call_sid', 'account_sid', 'application_sid']) {
    it(`refuses a hook without ${field}`, async () => {
      expectBadRequest(await get({ [field]: undefined }), field, /required/);
      expectBadRequest(await post(seedBody({ [field]: undefined })), field, /required/);
    });

    it(`refuses a hook with an empty ${field}`, async () => {
      expectBadRequest(await get({ [field]: '' }), field, /empty/);
      expectBadRequest(await get({ [field]: '   ' }), field, /empty/);
      expectBadRequest(await post(seedBody({ [field]: '' })), field, /empty/);
    });

    it(`refuses a non-string ${field} in a JSON body`, async () => {
      expectBadRequest(await post(seedBody({ [field]: 12345 })), field, /string/);
      expectBadRequest(await post(seedBody({ [field]: { nested: true } })), field, /string/);
    });
  }

  it('names every problem of a hook at once', async () => {
    const response = await get({ call_sid: undefined, direction: 'sideways', sip_status: 'abc' });
    expect(response.status).to.equal(400);
    expect(response.body.details.map((detail: { field: string }) => detail.field)).to.include.members(['call_sid', 'direction', 'sip_status']);
  });

  it('refuses an unknown direction', async () => {
    expectBadRequest(await get({ direction: 'sideways' }), 'direction', /inbound, outbound/);
    expectBadRequest(await get({ direction: 'INBOUND' }), 'direction');
    expectBadRequest(await post(seedBody({ direction: 'up' })), 'direction');
  });

  it('refuses an unknown call_status and accepts every documented one, queued included', async () => {
    expectBadRequest(await get({ call_status: 'answered' }), 'call_status', /trying/);
    for (const status of ['trying', 'ringing', 'early-media', 'in-progress', 'completed', 'failed', 'busy', 'no-answer', 'queued']) {
      expect((await get({ call_status: status })).status, status).to.equal(200);
    }
  });

  it('refuses a sip_status that is not an integer', async () => {
    for (const value of ['abc', '1.5', '100abc', '-100', '1e2', '0x64']) {
      expectBadRequest(await get({ sip_status: value }), 'sip_status', /integer/);
    }
    expectBadRequest(await post(seedBody({ sip_status: 100.5 })), 'sip_status', /integer/);
    expectBadRequest(await post(seedBody({ sip_status: true })), 'sip_status', /integer/);
  });

  it('refuses a sip_status outside 100–699 and accepts the bounds', async () => {
    for (const value of ['99', '700', '0', '99999']) expectBadRequest(await get({ sip_status: value }), 'sip_status', /100 and 699/);
    expectBadRequest(await post(seedBody({ sip_status: 700 })), 'sip_status', /100 and 699/);
    expect((await get({ sip_status: '100' })).status).to.equal(200);
    expect((await get({ sip_status: '699' })).status).to.equal(200);
    expect((await post(seedBody({ sip_status: 487 }))).status).to.equal(200);
  });

  it('refuses a parameter given twice in the query', async () => {
    expectBadRequest(await getQuery(`${callHookQuery()}&call_sid=CA-other`), 'call_sid', /more than once/);
    expectBadRequest(await getQuery(`${callHookQuery()}&direction=inbound`), 'direction', /more than once/);
    expectBadRequest(await getQuery(`${callHookQuery()}&unknown_extra=1&unknown_extra=2`), 'unknown_extra', /more than once/);
  });

  it('refuses a field whose query and body values disagree', async () => {
    const response = await post(seedBody({ account_sid: 'AC-1' }), 'account_sid=AC-2');
    expectBadRequest(response, 'account_sid', /query and in the body/);
    expectBadRequest(await post(seedBody(), 'sip_status=180'), 'sip_status', /query and in the body/);
  });

  it('accepts a field given in both query and body with the same value', async () => {
    expect((await post(seedBody(), 'account_sid=AC-1&sip_status=100')).status).to.equal(200);
  });

  it('refuses oversized field values', async () => {
    expectBadRequest(await get({ caller_name: 'x'.repeat(257) }), 'caller_name', /longer than/);
    expectBadRequest(await get({ call_sid: 'C'.repeat(1000) }), 'call_sid', /longer than/);
    expectBadRequest(await post(seedBody({ to: '1'.repeat(300) })), 'to', /longer than/);
    expectBadRequest(await getQuery(`${callHookQuery()}&platform_extra=${'y'.repeat(2049)}`), 'platform_extra', /longer than/);
    expect((await get({ caller_name: 'x'.repeat(256) })).status).to.equal(200);
  });

  it('refuses a body larger than server.bodyLimitBytes', async () => {
    const response = await post(seedBody({ padding: 'p'.repeat(BODY_LIMIT * 2) }));
    expectBadRequest(response, '(body)', /larger than/);
    expect(JSON.stringify(response.body)).to.not.include('ppppppppp');
  });

  it('refuses a body that is not valid JSON', async () => {
    const response = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: AUTH, rawBody: '{"call_sid": "CA-1",' });
    expectBadRequest(response, '(body)', /JSON/);
  });

  it('refuses a JSON body that is not an object', async () => {
    for (const rawBody of ['[1,2,3]', '"call_sid"', '42', 'null', 'true']) {
      const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { method: 'POST', authorization: AUTH, rawBody });
      expectBadRequest(response, '(body)', /must be a JSON object/);
      expect(response.body.details, 'only the body is reported').to.have.length(1);
    }
  });

  it('refuses a body that is not labelled application/json', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, {
        method: 'POST',
        authorization: AUTH,
        rawBody: contentType.startsWith('application/x-www') ? callHookQuery().toString() : JSON.stringify(seedBody()),
        contentType,
      });
      expectBadRequest(response, '(body)', /application\/json/);
    }
  });

  it('refuses a GET whose JSON body is invalid, like a POST', async () => {
    const response = await rawRequest(`${gateway.url}/webhooks/call`, {
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: '{nope',
    });
    expectBadRequest(response, '(body)', /JSON/);
  });

  it('accepts extra parameters named like object built-ins, and refuses __proto__', async () => {
    expect((await getQuery(`${callHookQuery()}&constructor=1&toString=2&hasOwnProperty=3&valueOf=4`)).status).to.equal(200);
    const post = await sendHook(`${gateway.url}/webhooks/call?constructor=x`, { method: 'POST', authorization: AUTH, body: seedBody() });
    expect(post.status).to.equal(200);
    expectBadRequest(await getQuery(`${callHookQuery()}&__proto__=x`), '__proto__', /not an allowed/);
    const poisoned = await sendHook(`${gateway.url}/webhooks/call`, {
      method: 'POST',
      authorization: AUTH,
      rawBody: JSON.stringify(seedBody()).replace(/^\{/, '{"__proto__":{"polluted":true},'),
    });
    expectBadRequest(poisoned, '(body)');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('accepts unknown extra fields the platform adds over time', async () => {
    expect((await getQuery(`${callHookQuery()}&new_platform_field=1&trace_id=abc`)).status).to.equal(200);
    const response = await post(seedBody({ sip: { headers: { 'X-CID': '1' } }, defaults: {}, env_vars: { KEY: 'v' }, brand_new: [1, 2] }));
    expect(response.status).to.equal(200);
  });
});
