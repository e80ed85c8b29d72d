import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

/**
 * The hook budget is set globally, per account and per application; the nearest level wins. An upstream
 * that never answers shows which budget applied: the fallback comes when that budget runs out, long
 * before the 9 s global one (so a level that was ignored makes the test fail, not just run slower).
 */
describe('the hook deadline is taken from the application, else its account, else the global default', () => {
  let hanging: UpstreamServer;
  let gateway: TestGateway;
  const GLOBAL_MS = 9000;
  const ACCOUNT_MS = 400;
  const APPLICATION_MS = 300;
  const ANSWERED_WELL_BEFORE_GLOBAL_MS = 3000;

  before(async () => {
    hanging = await startUpstream(() => undefined);
    gateway = await startTestGateway({
      upstreams: { hanging: { url: `${hanging.url}/hook`, method: 'POST', timeoutMs: 9500 } },
      defaults: { deadlineMs: GLOBAL_MS },
      accounts: {
        'AC-short': {
          credentials: [{ username: 'short', password: await passwordHash('secret-short') }],
          deadlineMs: ACCOUNT_MS,
          target: { upstream: 'hanging' },
          applications: { 'AP-inherits': {} },
        },
        'AC-long': {
          credentials: [{ username: 'long', password: await passwordHash('secret-long') }],
          applications: { 'AP-own': { target: { upstream: 'hanging' }, deadlineMs: APPLICATION_MS } },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await hanging.close();
  });

  async function timedHook(account: string, application: string, authorization: string) {
    const started = Date.now();
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: account, application_sid: application })}`, {
      authorization,
    });
    return { response, elapsedMs: Date.now() - started };
  }

  it("answers an application without its own deadline with the fallback at its account's deadline", async function () {
    this.timeout(ANSWERED_WELL_BEFORE_GLOBAL_MS + 2000);
    const { response, elapsedMs } = await timedHook('AC-short', 'AP-inherits', basicAuth('short', 'secret-short'));
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
    expect(elapsedMs).to.be.at.least(ACCOUNT_MS - 50).and.below(ANSWERED_WELL_BEFORE_GLOBAL_MS);
  });

  it("answers an application with its own deadline at that deadline, not the global one", async function () {
    this.timeout(ANSWERED_WELL_BEFORE_GLOBAL_MS + 2000);
    const { response, elapsedMs } = await timedHook('AC-long', 'AP-own', basicAuth('long', 'secret-long'));
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
    expect(elapsedMs).to.be.at.least(APPLICATION_MS - 50).and.below(ANSWERED_WELL_BEFORE_GLOBAL_MS);
  });
});
