import { expect } from 'chai';
import { sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { callInfo, followHook } from './support/platform.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

/** Follow-up hooks during a call take the same guarded path as the call hook, with the mid-call rules. */
describe('mid-call hooks: validated for a call in progress, answered with the merged mid-call fallback', () => {
  let backend: UpstreamServer;
  let gateway: TestGateway;
  const authorization = basicAuth('tenant1', 'secret-1');

  before(async () => {
    backend = await startUpstream((request, response) => {
      const reply = (verbs: unknown, status = 200) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(verbs));
      };
      switch (request.path) {
        case '/call-hook':
          return reply([
            { verb: 'gather', input: ['digits'], actionHook: '/decline-now', say: { text: 'Press a key' } },
            { verb: 'gather', input: ['digits'], actionHook: '/no-change', say: { text: 'Again' } },
            { verb: 'gather', input: ['digits'], actionHook: '/hangs', say: { text: 'Once more' } },
          ]);
        case '/decline-now':
          // Valid before answer only: the platform would reject it mid-call.
          return reply([{ verb: 'sip:decline', status: 486 }]);
        case '/no-change':
          response.writeHead(204);
          response.end();
          return;
        default:
          return; // hangs
      }
    });
    gateway = await startTestGateway({
      server: { routeTokenSecret: 'resilience-mid-call-secret-0123456789' },
      upstreams: { backend: { url: `${backend.url}/call-hook` } },
      defaults: { fallback: { midCall: [{ verb: 'say', text: 'Sorry {{caller_name}}.' }, { verb: 'hangup' }] } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          fallback: { merge: 'prepend', midCall: [{ verb: 'pause', length: 1 }] },
          applications: { 'AP-1': { target: { upstream: 'backend' }, deadlineMs: 500 } },
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await backend?.close();
  });

  async function actionHooks(): Promise<string[]> {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization, body: callInfo({ call_status: 'trying', sip_status: 100 }) });
    expect(answer.status).to.equal(200);
    return (answer.body as Array<{ actionHook: string }>).map((verb) => verb.actionHook);
  }

  it('refuses a sip:decline answered mid-call and says the merged mid-call fallback instead', async () => {
    const [decline] = await actionHooks();
    const response = await followHook(gateway.url, decline!, callInfo({ caller_name: 'Alice', digits: '1' }), { authorization });
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=invalid_verbs');
    expect(response.body).to.deep.equal([{ verb: 'pause', length: 1 }, { verb: 'say', text: 'Sorry Alice.' }, { verb: 'hangup' }]);
  });

  it('passes a 204 "no change" through: the platform continues its verbs', async () => {
    const [, noChange] = await actionHooks();
    const response = await followHook(gateway.url, noChange!, callInfo({ digits: '2' }), { authorization });
    expect(response.status).to.equal(204);
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
  });

  it('answers a follow-up hook that hangs within the deadline', async () => {
    const [, , hangs] = await actionHooks();
    const started = Date.now();
    const response = await followHook(gateway.url, hangs!, callInfo({ digits: '3' }), { authorization });
    expect(Date.now() - started).to.be.below(1500);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
  });
});
