import { expect } from 'chai';
import { callHookQuery, sendHook, type HookResponse } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';

const WWW_AUTHENTICATE = 'Basic realm="graine-gateway"';

function staticTarget(text: string) {
  return { plugin: 'static', options: { verbs: [{ verb: 'say', text }, { verb: 'hangup' }] } };
}

function expectUnauthorized(response: HookResponse): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(401);
  expect(response.headers.get('www-authenticate')).to.equal(WWW_AUTHENTICATE);
  expect(response.headers.get('content-type')).to.match(/^application\/json/);
  expect(response.body).to.have.property('error').that.is.a('string');
}

function expectForbidden(response: HookResponse): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(403);
  expect(response.headers.get('content-type')).to.match(/^application\/json/);
  expect(response.body).to.have.property('error').that.is.a('string');
  expect(JSON.stringify(response.body)).to.not.match(/tenant [AB] (application|default)/);
}

describe('authentication and tenant isolation', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway(
      {
        accounts: {
          'AC-A': {
            credentials: [{ username: 'user-a', password: await passwordHash('password-a') }],
            target: staticTarget('tenant A default'),
            applications: {
              'AP-A1': { target: staticTarget('tenant A application 1') },
              'AP-A2': {
                credentials: [{ username: 'app-a2', password: await passwordHash('password-a2') }],
                target: staticTarget('tenant A application 2'),
              },
            },
          },
          'AC-B': {
            credentials: [{ username: 'user-b', password: await passwordHash('password-b') }],
            applications: { 'AP-B1': { target: staticTarget('tenant B application 1') } },
          },
          'AC-ENV': {
            credentials: [
              { username: 'user-env', password: '${TENANT_ENV_PASSWORD}' },
              { username: 'user-env-hash', password: '${TENANT_ENV_HASH}' },
            ],
            applications: { 'AP-E1': { target: staticTarget('tenant from env') } },
          },
        },
      },
      { env: { TENANT_ENV_PASSWORD: 'password-from-env', TENANT_ENV_HASH: await passwordHash('password-behind-env-hash') } },
    );
  });
  after(() => gateway.stop());

  const hook = (authorization: string | undefined, accountSid: string, applicationSid: string) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: accountSid, application_sid: applicationSid })}`, {
      ...(authorization !== undefined && { authorization }),
    });

  it("answers a tenant's own application with its verbs", async () => {
    const response = await hook(basicAuth('user-a', 'password-a'), 'AC-A', 'AP-A1');
    expect(response.status).to.equal(200);
    expect(response.body[0].text).to.equal('tenant A application 1');
  });

  describe('401 with WWW-Authenticate', () => {
    it('refuses a hook without an Authorization header', async () => {
      expectUnauthorized(await hook(undefined, 'AC-A', 'AP-A1'));
    });

    it('refuses an Authorization header that is not Basic credentials', async () => {
      for (const header of ['Bearer abcdef', 'Digest username="a"', 'Basic', 'basic-ish dXNlcjpwYXNz', 'dXNlcjpwYXNz']) {
        expectUnauthorized(await hook(header, 'AC-A', 'AP-A1'));
      }
    });

    it('refuses Basic credentials that are not valid base64', async () => {
      for (const encoded of ['!!!!', 'dXNlcjpwYXNz=', 'dXN@cjpwYXNz', 'a']) expectUnauthorized(await hook(`Basic ${encoded}`, 'AC-A', 'AP-A1'));
    });

    it('refuses Basic credentials without a colon', async () => {
      expectUnauthorized(await hook(`Basic ${Buffer.from('user-apassword-a').toString('base64')}`, 'AC-A', 'AP-A1'));
    });

    it('refuses Basic credentials with an empty user name', async () => {
      expectUnauthorized(await hook(basicAuth('', 'password-a'), 'AC-A', 'AP-A1'));
    });

    it('refuses a wrong password', async () => {
      expectUnauthorized(await hook(basicAuth('user-a', 'password-b'), 'AC-A', 'AP-A1'));
      expectUnauthorized(await hook(basicAuth('user-a', ''), 'AC-A', 'AP-A1'));
      expectUnauthorized(await hook(basicAuth('user-a', 'password-a '), 'AC-A', 'AP-A1'));
    });

    it('refuses an unknown user', async () => {
      expectUnauthorized(await hook(basicAuth('nobody', 'password-a'), 'AC-A', 'AP-A1'));
    });

    it('refuses a hook naming an account the gateway does not know, even with valid credentials', async () => {
      expectUnauthorized(await hook(basicAuth('user-a', 'password-a'), 'AC-UNKNOWN', 'AP-A1'));
    });

    it('checks credentials before the hook: an unauthenticated invalid hook is 401, not 400', async () => {
      const response = await sendHook(`${gateway.url}/webhooks/call?call_sid=`, {});
      expectUnauthorized(response);
    });
  });

  describe('403 across tenants and applications', () => {
    it("refuses account A's credentials on account B's hook", async () => {
      expectForbidden(await hook(basicAuth('user-a', 'password-a'), 'AC-B', 'AP-B1'));
      expectForbidden(await hook(basicAuth('user-b', 'password-b'), 'AC-A', 'AP-A1'));
    });

    it("refuses account A's credentials naming account B's application under account A", async () => {
      expectForbidden(await hook(basicAuth('user-a', 'password-a'), 'AC-A', 'AP-B1'));
    });

    it('refuses application-scoped credentials on another application of the same account', async () => {
      expectForbidden(await hook(basicAuth('app-a2', 'password-a2'), 'AC-A', 'AP-A1'));
      expectForbidden(await hook(basicAuth('app-a2', 'password-a2'), 'AC-A', 'AP-UNLISTED'));
    });

    it('accepts application-scoped credentials on their own application', async () => {
      const response = await hook(basicAuth('app-a2', 'password-a2'), 'AC-A', 'AP-A2');
      expect(response.status).to.equal(200);
      expect(response.body[0].text).to.equal('tenant A application 2');
    });

    it('lets account credentials reach every application of their account', async () => {
      expect((await hook(basicAuth('user-a', 'password-a'), 'AC-A', 'AP-A2')).body[0].text).to.equal('tenant A application 2');
      expect((await hook(basicAuth('user-a', 'password-a'), 'AC-A', 'AP-UNLISTED')).body[0].text).to.equal('tenant A default');
    });

    it('keeps refusing across tenants after the credentials are cached', async () => {
      const credentials = basicAuth('user-b', 'password-b');
      expect((await hook(credentials, 'AC-B', 'AP-B1')).status).to.equal(200);
      expectForbidden(await hook(credentials, 'AC-A', 'AP-A1'));
      expectForbidden(await hook(credentials, 'AC-B', 'AP-A1'));
    });
  });

  describe('credentials from the environment', () => {
    it('accepts a password given as ${VAR} and resolved at start-up', async () => {
      const response = await hook(basicAuth('user-env', 'password-from-env'), 'AC-ENV', 'AP-E1');
      expect(response.status).to.equal(200);
      expect(response.body[0].text).to.equal('tenant from env');
    });

    it('treats an scrypt hash given through ${VAR} as a hash, not as the password', async () => {
      const ok = await hook(basicAuth('user-env-hash', 'password-behind-env-hash'), 'AC-ENV', 'AP-E1');
      expect(ok.status).to.equal(200);
      const hash = await passwordHash('password-behind-env-hash');
      expectUnauthorized(await hook(basicAuth('user-env-hash', hash), 'AC-ENV', 'AP-E1'));
    });

    it('refuses a wrong password for an environment credential', async () => {
      expectUnauthorized(await hook(basicAuth('user-env', 'password-from-en'), 'AC-ENV', 'AP-E1'));
      expectUnauthorized(await hook(basicAuth('user-env', '${TENANT_ENV_PASSWORD}'), 'AC-ENV', 'AP-E1'));
    });
  });

  it('never writes a password or an Authorization header to the log', async () => {
    await hook(basicAuth('user-a', 'password-a'), 'AC-A', 'AP-A1');
    await hook(basicAuth('user-a', 'wrong-password-z'), 'AC-A', 'AP-A1');
    const logs = gateway.rawLogs();
    for (const secret of ['password-a', 'wrong-password-z', 'password-from-env', Buffer.from('user-a:password-a').toString('base64')]) {
      expect(logs).to.not.include(secret);
    }
  });
});

describe('credentials in the config', () => {
  it('refuses to start with a plaintext password, naming where it is', async () => {
    let error: Error | undefined;
    try {
      const gateway = await startTestGateway({
        accounts: { 'AC-1': { credentials: [{ username: 'u', password: 'hunter2' }], target: staticTarget('x') } },
      });
      await gateway.stop();
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.name).to.equal('ConfigError');
    expect(error?.message).to.match(/accounts\.AC-1\.credentials\[0\]\.password: plaintext passwords are refused/);
    expect(error?.message).to.not.include('hunter2');
  });
});
