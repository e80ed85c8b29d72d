import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfigFile } from '@graine/core';
import { DEFAULT_CONFIG_FILE, WORKSPACE_ROOT } from '@graine/server';
import { basicAuth, passwordHash } from './support/credentials.js';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { expectConfigRefusal, startTestGateway, writeTempConfig } from './support/gateway-harness.js';
import { runCli } from './support/cli-process.js';
import { answerVerbs, startUpstream } from './support/upstream-server.js';

const STATIC = { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } };

/** Starts a gateway on the given YAML and returns the ConfigError it must refuse with. */
const configError = expectConfigRefusal;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let hash: string;
before(async () => {
  hash = await passwordHash('secret-1');
});

function validYaml(extra = ''): string {
  return `accounts:
  AC-1:
    credentials:
      - username: tenant1
        password: ${hash}
    applications:
      AP-1:
        target:
          plugin: static
          options:
            verbs:
              - verb: hangup
${extra}`;
}

describe('config errors name the file, the path in it, the reason and the line', () => {
  it('reports invalid YAML with its line', async () => {
    const { error, file } = await configError('server:\n  port: 3000\naccounts:\n  AC-1: [unclosed\n  AC-2: {}\n');
    expect(error.file).to.equal(file);
    expect(error.reason).to.match(/^invalid YAML/);
    expect(error.line).to.be.a('number').within(4, 6);
    expect(error.message).to.include(`${file}:${error.line}`);
  });

  it('reports a key given twice as a YAML error', async () => {
    const { error } = await configError('accounts:\n  AC-1: {}\n  AC-1: {}\n');
    expect(error.reason).to.match(/invalid YAML.*unique/i);
    expect(error.line).to.equal(3);
  });

  it('reports an unknown property with its path and line', async () => {
    const { error, file } = await configError(validYaml('    colour: blue\n'));
    expect(error.path).to.equal('accounts.AC-1');
    expect(error.reason).to.equal('unknown property "colour"');
    expect(error.message).to.equal(`${file}:13 accounts.AC-1: unknown property "colour"`);
  });

  it('reports a value of the wrong type with its path', async () => {
    const { error } = await configError(`server:\n  port: lots\n${validYaml()}`);
    expect(error.path).to.equal('server.port');
    expect(error.reason).to.match(/integer/);
    expect(error.line).to.equal(2);
  });

  it('reports an out-of-range value with its path', async () => {
    const { error } = await configError(`defaults:\n  deadlineMs: 20000\n${validYaml()}`);
    expect(error.path).to.equal('defaults.deadlineMs');
    expect(error.reason).to.match(/9500/);
  });

  it('reports a missing required section', async () => {
    const { error } = await configError('server:\n  port: 3000\n');
    expect(error.path).to.equal('');
    expect(error.reason).to.equal('missing required property "accounts"');
    expect(error.message).to.match(/\(root\): missing required property "accounts"$/);
  });

  it('reports a target that is neither a plugin nor an upstream', async () => {
    const { error } = await configError(validYaml().replace('plugin: static', 'plugin: static\n          upstream: x'));
    expect(error.path).to.match(/^accounts\.AC-1\.applications\.AP-1\.target/);
  });

  it('reports a target naming an upstream that is not defined', async () => {
    const yaml = validYaml().replace(/target:\n(.|\n)*$/, 'target:\n          upstream: nowhere\n');
    const { error } = await configError(yaml);
    expect(error.path).to.equal('accounts.AC-1.applications.AP-1.target.upstream');
    expect(error.reason).to.equal('no upstream named "nowhere" in upstreams');
    expect(error.line).to.equal(9);
  });

  it('reports a plugin that does not exist and plugin options that do not fit its schema', async () => {
    const missing = await configError(validYaml().replace('plugin: static', 'plugin: no-such-plugin'));
    expect(missing.error.path).to.equal('accounts.AC-1.applications.AP-1.target.plugin');
    expect(missing.error.reason).to.match(/no plugin named "no-such-plugin"/);
    const badOptions = await configError(validYaml().replace('verbs:\n              - verb: hangup', 'verbs: []'));
    expect(badOptions.error.path).to.match(/^accounts\.AC-1\.applications\.AP-1\.target\.options/);
    expect(badOptions.error.reason).to.match(/^plugin static: /);
  });

  it('refuses a plaintext password without echoing it', async () => {
    const { error } = await configError(validYaml().replace(hash, 'correct-horse-battery'));
    expect(error.path).to.equal('accounts.AC-1.credentials[0].password');
    expect(error.reason).to.match(/plaintext passwords are refused/);
    expect(error.line).to.equal(5);
    expect(error.message).to.not.include('correct-horse-battery');
  });

  it('refuses a malformed scrypt hash', async () => {
    const { error } = await configError(validYaml().replace(hash, 'scrypt$1000$8$1$abc$def'));
    expect(error.path).to.equal('accounts.AC-1.credentials[0].password');
    expect(error.reason).to.match(/power of two/);
  });

  it('reports an environment variable that is not set, with its path and line', async () => {
    const { error } = await configError(validYaml().replace(hash, '${TENANT_ONE_PASSWORD}'));
    expect(error.path).to.equal('accounts.AC-1.credentials[0].password');
    expect(error.reason).to.equal('environment variable TENANT_ONE_PASSWORD is not set');
    expect(error.line).to.equal(5);
  });

  it('resolves ${VAR:-default} and ${VAR} anywhere in a string', async () => {
    const { file, cleanup } = await writeTempConfig(
      `upstreams:\n  b:\n    url: \${BACKEND:-http://127.0.0.1:1}/hook/\${TENANT}\n${validYaml()}`,
    );
    try {
      const loaded = await loadConfigFile(file, { TENANT: 't1' });
      expect(loaded.config.upstreams?.b?.url).to.equal('http://127.0.0.1:1/hook/t1');
      const overridden = await loadConfigFile(file, { TENANT: 't1', BACKEND: 'https://backend.test' });
      expect(overridden.config.upstreams?.b?.url).to.equal('https://backend.test/hook/t1');
    } finally {
      await cleanup();
    }
  });

  it('reports a file that cannot be read', async () => {
    let error: unknown;
    await loadConfigFile('/nonexistent/gateway.yaml').catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.match(/^\/nonexistent\/gateway\.yaml \(root\): cannot read the file \(ENOENT\)/);
  });
});

describe('the published schema and the default config', () => {
  it('publishes config/gateway.schema.json as an exact copy of the schema the gateway validates with', async () => {
    const published = await readFile(join(WORKSPACE_ROOT, 'config/gateway.schema.json'), 'utf8');
    const source = await readFile(join(WORKSPACE_ROOT, 'packages/core/src/config/gateway.schema.json'), 'utf8');
    expect(published).to.equal(source);
  });

  it('points editors at the schema from the default config', async () => {
    const yaml = await readFile(DEFAULT_CONFIG_FILE, 'utf8');
    expect(yaml.split('\n')[0]).to.equal('# yaml-language-server: $schema=./gateway.schema.json');
  });

  it('starts on the default config and answers the demo request', async () => {
    const gateway = await startTestGateway(await readFile(DEFAULT_CONFIG_FILE, 'utf8'), { env: { ADMIN_PORT: '0' } });
    try {
      const query = callHookQuery({ account_sid: 'demo-account-1', application_sid: 'demo-app-plugin' });
      const response = await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: basicAuth('demo1', 'demo-password-1') });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal([
        { verb: 'say', text: 'Hello Alice, you reached the Graine demo at 15559870000. Goodbye.' },
        { verb: 'hangup' },
      ]);
      const crossTenant = await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: basicAuth('demo2', 'demo-password-2') });
      expect(crossTenant.status).to.equal(403);
      const second = callHookQuery({ account_sid: 'demo-account-2', application_sid: 'any-app' });
      const tenantTwo = await sendHook(`${gateway.url}/webhooks/call?${second}`, { authorization: basicAuth('demo2', 'demo-password-2') });
      expect(tenantTwo.body[0].text).to.equal('This is demo tenant two.');
    } finally {
      await gateway.stop();
    }
  });
});

describe("the demo config's upstream route, as the README describes it", () => {
  it('answers from whatever local server DEMO_UPSTREAM_URL names, forwarding the hook as JSON', async () => {
    const upstream = await startUpstream(answerVerbs([{ verb: 'say', text: 'hello from my backend' }, { verb: 'hangup' }]));
    const gateway = await startTestGateway(await readFile(DEFAULT_CONFIG_FILE, 'utf8'), {
      env: { ADMIN_PORT: '0', DEMO_UPSTREAM_URL: `${upstream.url}/call-hook` },
    });
    try {
      const body = { ...Object.fromEntries(callHookQuery({ account_sid: 'demo-account-1', application_sid: 'demo-app-upstream' })), sip_status: 100 };
      const response = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: basicAuth('demo1', 'demo-password-1'), body });
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal([{ verb: 'say', text: 'hello from my backend' }, { verb: 'hangup' }]);
      expect(upstream.requests.map((request) => [request.method, request.path])).to.deep.equal([['POST', '/call-hook']]);
      expect(upstream.requests[0]!.json()).to.deep.equal(body);
      expect(upstream.requests[0]!.headers['x-tenant-team']).to.equal('demo');
    } finally {
      await gateway.stop();
      await upstream.close();
    }
  });

  it('answers the fallback verbs with reason connect_error when nothing listens there', async () => {
    const port = await freePort();
    const gateway = await startTestGateway(await readFile(DEFAULT_CONFIG_FILE, 'utf8'), {
      env: { ADMIN_PORT: '0', DEMO_UPSTREAM_URL: `http://127.0.0.1:${port}/call-hook` },
    });
    try {
      const query = callHookQuery({ account_sid: 'demo-account-1', application_sid: 'demo-app-upstream' });
      const response = await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: basicAuth('demo1', 'demo-password-1') });
      expect(response.status).to.equal(200);
      expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=connect_error');
      expect(response.body).to.be.an('array').that.is.not.empty;
    } finally {
      await gateway.stop();
    }
  });
});

describe('the graine-gateway CLI', function () {
  this.timeout(30_000);

  it('exits non-zero without listening and prints the config error', async () => {
    const port = await freePort();
    const yaml = `server:\n  port: ${port}\n${validYaml().replace(/target:\n(.|\n)*$/, 'target:\n          upstream: nowhere\n')}`;
    const { file, cleanup } = await writeTempConfig(yaml);
    try {
      const cli = runCli(['start', '--config', file]);
      const code = await cli.exited;
      expect(code).to.equal(1);
      expect(cli.stderr()).to.include(`config error: ${file}:11 accounts.AC-1.applications.AP-1.target.upstream: no upstream named "nowhere" in upstreams`);
      expect(cli.stdout()).to.not.include('gateway listening');
      // Nothing took the port.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      await cleanup();
    }
  });

  it('prints YAML errors with file and line', async () => {
    const { file, cleanup } = await writeTempConfig('accounts:\n  - [\n');
    try {
      const cli = runCli(['start', '--config', file]);
      expect(await cli.exited).to.equal(1);
      expect(cli.stderr()).to.match(new RegExp(`config error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ \\(root\\): invalid YAML`));
    } finally {
      await cleanup();
    }
  });

  it('picks the file from GATEWAY_CONFIG, lets --config win over it, and lets PORT and HOST override the address', async () => {
    const port = await freePort();
    const good = await writeTempConfig(`server:\n  host: 127.0.0.2\n  port: 1\n${validYaml()}`);
    const bad = await writeTempConfig('accounts: 42\n');
    try {
      const viaEnv = runCli(['start'], { env: { GATEWAY_CONFIG: good.file, PORT: String(port), HOST: '127.0.0.1' } });
      const url = await viaEnv.listening();
      expect(url).to.equal(`http://127.0.0.1:${port}`);
      const response = await sendHook(`${url}/webhooks/call?${callHookQuery()}`, { authorization: basicAuth('tenant1', 'secret-1') });
      expect(response.status).to.equal(200);
      viaEnv.kill();
      expect(await viaEnv.exited).to.equal(0);

      const badEnv = runCli(['start'], { env: { GATEWAY_CONFIG: bad.file, PORT: '0' } });
      expect(await badEnv.exited).to.equal(1);
      expect(badEnv.stderr()).to.include(bad.file);

      const flagWins = runCli(['start', '--config', good.file], { env: { GATEWAY_CONFIG: bad.file, PORT: '0', HOST: '127.0.0.1' } });
      expect(await flagWins.listening()).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      flagWins.kill();
      expect(await flagWins.exited).to.equal(0);
    } finally {
      await good.cleanup();
      await bad.cleanup();
    }
  });

  it('check-config validates a file and exits, even while a gateway holds the configured ports', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const good = await writeTempConfig(`server:\n  port: ${port}\n  admin:\n    port: ${port}\n${validYaml()}`);
    const bad = await writeTempConfig(validYaml('    colour: blue\n'));
    try {
      const ok = runCli(['check-config', '--config', good.file]);
      expect(await ok.exited, ok.stderr()).to.equal(0);
      expect(ok.stdout()).to.include('config is valid');
      const refused = runCli(['check-config', '--config', bad.file]);
      expect(await refused.exited).to.equal(1);
      expect(refused.stderr()).to.include('accounts.AC-1: unknown property "colour"');
    } finally {
      await good.cleanup();
      await bad.cleanup();
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('hash-password reads stdin and prints a hash that authenticates', async () => {
    const cli = runCli(['hash-password'], { stdin: 'from-stdin-password\n' });
    expect(await cli.exited).to.equal(0);
    const printed = cli.stdout().trim();
    expect(printed).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(printed).to.not.include('from-stdin-password');
    const gateway = await startTestGateway({
      accounts: { 'AC-1': { credentials: [{ username: 'tenant1', password: printed }], target: STATIC } },
    });
    try {
      const query = callHookQuery();
      expect((await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: basicAuth('tenant1', 'from-stdin-password') })).status).to.equal(200);
      expect((await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: basicAuth('tenant1', 'from-stdin-password\n') })).status).to.equal(401);
    } finally {
      await gateway.stop();
    }
  });

  it('hash-password refuses an empty password', async () => {
    const cli = runCli(['hash-password'], { stdin: '' });
    expect(await cli.exited).to.equal(2);
    expect(cli.stdout()).to.equal('');
  });
});
