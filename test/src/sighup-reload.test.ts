import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { runCli, type CliProcess } from './support/cli-process.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { writeTempConfig } from './support/gateway-harness.js';
import { eventually } from './support/platform.js';

async function configSaying(text: string) {
  return {
    server: { port: 0 },
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        applications: { 'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text }] } } } },
      },
    },
  };
}

describe('SIGHUP reloads the graine-gateway process', function () {
  this.timeout(20_000);
  let config: { file: string; cleanup(): Promise<void> };
  let cli: CliProcess;
  after(async () => {
    cli?.kill('SIGTERM');
    await cli?.exited;
    await config?.cleanup();
  });

  it('serves the rewritten config after SIGHUP, and a broken one keeps the running config', async () => {
    config = await writeTempConfig(await configSaying('before the reload'));
    cli = runCli(['start', '--config', config.file]);
    const url = await cli.listening();
    const spoken = async () =>
      (await sendHook(`${url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: 'AP-1' })}`, { authorization: basicAuth('tenant1', 'secret-1') })).body[0]?.text;
    expect(await spoken()).to.equal('before the reload');

    await writeFile(config.file, JSON.stringify(await configSaying('after the reload')));
    cli.kill('SIGHUP');
    let text: unknown;
    await eventually(() => cli.stdout().includes('"trigger":"sighup"'), 5000);
    text = await spoken();
    expect(text).to.equal('after the reload');

    await writeFile(config.file, '{ "accounts": { "AC-1": { "applications": { "AP-1": { "target": { "plugin": "nope" } } } } } }');
    cli.kill('SIGHUP');
    await eventually(() => cli.stdout().includes('config reload failed'), 5000);
    expect(await spoken()).to.equal('after the reload');
    expect(cli.stdout()).to.contain('no plugin named \\"nope\\"');

    cli.kill('SIGTERM');
    expect(await cli.exited).to.equal(0);
  });
});
