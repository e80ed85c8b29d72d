import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { rawRequest } from './support/raw-request.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

const AUTH = basicAuth('tenant1', 'secret-1');

describe('a call hook sent as GET query, POST body or GET with a JSON body gets the same answer', () => {
  let gateway: TestGateway;
  let upstream: UpstreamServer;
  before(async () => {
    // The backend answers with what it understood, so a difference in forwarding shows in the answer too.
    upstream = await startUpstream((request, response) => {
      const fields = request.method === 'POST' ? (request.json() as Record<string, unknown>) : Object.fromEntries(request.url.searchParams);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify([{ verb: 'say', text: `${String(fields.caller_name)} calls ${String(fields.to)} (${String(fields.sip_status)})` }]));
    });
    gateway = await startTestGateway({
      upstreams: {
        'post-backend': { url: `${upstream.url}/post`, method: 'POST', timeoutMs: 1000 },
        'get-backend': { url: `${upstream.url}/get`, method: 'GET', timeoutMs: 1000 },
      },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-1': { target: { upstream: 'post-backend' } },
            'AP-GET': { target: { upstream: 'get-backend' } },
            'AP-PLUGIN': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text: '{{caller_name}} {{to}} {{call_status}}' }] } } },
          },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  async function sendThreeWays(applicationSid: string) {
    const query = callHookQuery({ application_sid: applicationSid });
    const body = { ...Object.fromEntries(query), sip_status: 100 };
    const viaQuery = await rawRequest(`${gateway.url}/webhooks/call?${query}`, { headers: { authorization: AUTH } });
    const viaPost = await rawRequest(`${gateway.url}/webhooks/call`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const viaGetBody = await rawRequest(`${gateway.url}/webhooks/call`, {
      method: 'GET',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return [viaQuery, viaPost, viaGetBody];
  }

  it('answers the same verbs and the POST upstream receives the same JSON body', async () => {
    upstream.requests.length = 0;
    const answers = await sendThreeWays('AP-1');
    for (const answer of answers) {
      expect(answer.status).to.equal(200);
      expect(answer.headers['content-type']).to.match(/^application\/json/);
      expect(answer.json).to.deep.equal([{ verb: 'say', text: 'Alice calls 15559870000 (100)' }]);
    }
    expect(upstream.requests).to.have.length(3);
    const bodies = upstream.requests.map((request) => request.json());
    expect(bodies[1]).to.deep.equal(bodies[0]);
    expect(bodies[2]).to.deep.equal(bodies[0]);
    expect(bodies[0]).to.deep.equal({ ...Object.fromEntries(callHookQuery()), sip_status: 100 });
  });

  it('answers the same verbs and the GET upstream receives the same query', async () => {
    upstream.requests.length = 0;
    const answers = await sendThreeWays('AP-GET');
    for (const answer of answers) expect(answer.json).to.deep.equal([{ verb: 'say', text: 'Alice calls 15559870000 (100)' }]);
    const queries = upstream.requests.map((request) => Object.fromEntries(request.url.searchParams));
    expect(queries).to.have.length(3);
    expect(queries[1]).to.deep.equal(queries[0]);
    expect(queries[2]).to.deep.equal(queries[0]);
    expect(queries[0]).to.deep.equal(Object.fromEntries(callHookQuery({ application_sid: 'AP-GET' })));
  });

  it('gives a plugin the same typed hook whichever way it came', async () => {
    const answers = await sendThreeWays('AP-PLUGIN');
    for (const answer of answers) expect(answer.json).to.deep.equal([{ verb: 'say', text: 'Alice 15559870000 trying' }]);
  });

  it('reads a GET whose query and body split the fields between them', async () => {
    const query = callHookQuery();
    const body = { caller_name: 'Bob', to: '15550001111' };
    query.delete('caller_name');
    query.delete('to');
    const response = await rawRequest(`${gateway.url}/webhooks/call?${query}`, {
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.json).to.deep.equal([{ verb: 'say', text: 'Bob calls 15550001111 (100)' }]);
  });

  it('answers the same 400 for the same invalid hook whichever way it came', async () => {
    const query = callHookQuery({ direction: 'sideways' });
    const viaQuery = await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: AUTH });
    const viaPost = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: AUTH, body: Object.fromEntries(query) });
    expect(viaQuery.status).to.equal(400);
    expect(viaPost.status).to.equal(400);
    expect(viaPost.body).to.deep.equal(viaQuery.body);
  });
});
