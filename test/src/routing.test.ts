import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

function say(text: string) {
  return { plugin: 'static', options: { verbs: [{ verb: 'say', text }] } };
}

describe('routing picks the application target, else the account target, else the default', () => {
  let gateway: TestGateway;
  before(async () => {
    const hash = await passwordHash('secret');
    gateway = await startTestGateway({
      defaults: { target: say('global default') },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'user1', password: hash }],
          target: say('account one'),
          applications: {
            'AP-OWN': { target: say('application own') },
            'AP-LISTED': { name: 'listed, no target of its own' },
          },
        },
        'AC-2': {
          credentials: [{ username: 'user2', password: hash }],
          applications: { 'AP-2-OWN': { target: say('application of account two') }, 'AP-2-LISTED': {} },
        },
      },
    });
  });
  after(() => gateway.stop());

  const answer = async (user: string, accountSid: string, applicationSid: string) => {
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: accountSid, application_sid: applicationSid })}`, {
      authorization: basicAuth(user, 'secret'),
    });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return response.body[0].text as string;
  };

  it("uses an application's own target over its account's", async () => {
    expect(await answer('user1', 'AC-1', 'AP-OWN')).to.equal('application own');
  });

  it("uses the account's target for a listed application without one", async () => {
    expect(await answer('user1', 'AC-1', 'AP-LISTED')).to.equal('account one');
  });

  it("uses the account's target for an application the config does not list", async () => {
    expect(await answer('user1', 'AC-1', 'AP-NEVER-CONFIGURED')).to.equal('account one');
  });

  it('uses defaults.target where neither the application nor the account names one', async () => {
    expect(await answer('user2', 'AC-2', 'AP-2-OWN')).to.equal('application of account two');
    expect(await answer('user2', 'AC-2', 'AP-2-LISTED')).to.equal('global default');
    expect(await answer('user2', 'AC-2', 'AP-2-UNLISTED')).to.equal('global default');
  });
});

describe('an application with no target anywhere', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      accounts: {
        'AC-1': {
          credentials: [{ username: 'user1', password: await passwordHash('secret') }],
          applications: { 'AP-ROUTED': { target: say('routed') }, 'AP-BARE': { name: 'no target' } },
        },
      },
    });
  });
  after(() => gateway.stop());

  for (const applicationSid of ['AP-BARE', 'AP-UNLISTED']) {
    it(`answers 404 with a JSON error (${applicationSid})`, async () => {
      const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: applicationSid })}`, {
        authorization: basicAuth('user1', 'secret'),
      });
      expect(response.status).to.equal(404);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      expect(response.body.error).to.be.a('string').that.includes(applicationSid);
    });
  }

  it('answers 405 JSON for a method the hook does not take', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { method, authorization: basicAuth('user1', 'secret') });
      expect(response.status, method).to.equal(405);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      expect(response.body).to.have.property('error');
    }
  });

  it('answers 404 JSON for a path that is not a hook', async () => {
    const response = await sendHook(`${gateway.url}/not-a-hook`, {});
    expect(response.status).to.equal(404);
    expect(response.headers.get('content-type')).to.match(/^application\/json/);
    expect(response.body).to.have.property('error');
  });
});

describe('a routing table of 10,000 accounts', () => {
  const ACCOUNTS = 10_000;
  let gateway: TestGateway;
  let upstream: UpstreamServer;
  before(async function () {
    this.timeout(60_000);
    upstream = await startUpstream((request, response) => {
      const body = request.json() as Record<string, string>;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify([{ verb: 'say', text: `${body.account_sid}/${body.application_sid}` }]));
    });
    // One hash for all tenants keeps the set-up fast; every tenant still has its own user name.
    const hash = await passwordHash('tenant-password');
    const accounts: Record<string, unknown> = {};
    for (let i = 0; i < ACCOUNTS; i++) {
      accounts[`AC-${i}`] = {
        credentials: [{ username: `user-${i}`, password: hash }],
        ...(i % 2 === 0 && { target: { upstream: 'shared' } }),
        applications: { [`AP-${i}`]: { target: i % 3 === 0 ? say(`plugin for ${i}`) : { upstream: 'shared' } } },
      };
    }
    gateway = await startTestGateway({ upstreams: { shared: { url: `${upstream.url}/hook`, timeoutMs: 1000 } }, accounts });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  const hook = (user: number, account: number, application: string) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: `AC-${account}`, application_sid: application })}`, {
      authorization: basicAuth(`user-${user}`, 'tenant-password'),
    });

  it('loads every account', () => {
    expect(gateway.runtimes.current.routes.accountCount).to.equal(ACCOUNTS);
  });

  it('routes the first, middle and last tenants to their own targets', async () => {
    for (const i of [0, 1, 4999, 5000, 9998, 9999]) {
      const response = await hook(i, i, `AP-${i}`);
      expect(response.status, `tenant ${i}`).to.equal(200);
      expect(response.body[0].text).to.equal(i % 3 === 0 ? `plugin for ${i}` : `AC-${i}/AP-${i}`);
    }
    expect((await hook(9998, 9998, 'AP-UNLISTED')).body[0].text).to.equal('AC-9998/AP-UNLISTED');
    expect((await hook(9999, 9999, 'AP-UNLISTED')).status).to.equal(404);
  });

  it('keeps every tenant to its own account and applications', async () => {
    expect((await hook(9999, 0, 'AP-0')).status).to.equal(403);
    expect((await hook(0, 9999, 'AP-9999')).status).to.equal(403);
    expect((await hook(7777, 7777, 'AP-1234')).status).to.equal(403);
    expect((await hook(5000, 5000, 'AP-5000')).status).to.equal(200);
  });
});
