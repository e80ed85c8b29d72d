import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';

const AUTH = basicAuth('tenant1', 'secret-1');

describe('a plugin target answers with its verbs', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-TEMPLATE': {
              target: {
                plugin: 'static',
                options: {
                  verbs: [
                    { verb: 'say', text: 'Hello {{caller_name}}, you called {{ to }} from {{from}} ({{direction}}, {{call_status}}).' },
                    { verb: 'dial', target: [{ type: 'phone', number: '{{to}}' }], callerId: '{{from}}' },
                    { verb: 'hangup' },
                  ],
                },
              },
            },
            'AP-SECRETS': {
              target: {
                plugin: 'static',
                options: { verbs: [{ verb: 'say', text: 'key {{env_vars}} {{sip}} {{defaults}} {{API_KEY}} {{unknown}}' }] },
              },
            },
          },
        },
      },
    });
  });
  after(() => gateway.stop());

  it('fills {{field}} templates from the hook', async () => {
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ application_sid: 'AP-TEMPLATE' })}`, { authorization: AUTH });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^application\/json/);
    expect(response.body).to.deep.equal([
      { verb: 'say', text: 'Hello Alice, you called 15559870000 from 15551230000 (inbound, trying).' },
      { verb: 'dial', target: [{ type: 'phone', number: '15559870000' }], callerId: '15551230000' },
      { verb: 'hangup' },
    ]);
  });

  it('keeps markup a caller put in their name out of the spoken text', async () => {
    const query = callHookQuery({ application_sid: 'AP-TEMPLATE', caller_name: '<speak>Evil & "Co"</speak>' });
    const response = await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization: AUTH });
    expect(response.body[0].text).to.equal('Hello speakEvil  Co/speak, you called 15559870000 from 15551230000 (inbound, trying).');
  });

  it('never fills a template naming env_vars, sip or defaults', async () => {
    const body = {
      ...Object.fromEntries(callHookQuery({ application_sid: 'AP-SECRETS' })),
      sip_status: 100,
      env_vars: { API_KEY: 'env-secret-789' },
      sip: { raw: 'sip-raw-secret' },
      defaults: { synthesizer: { vendor: 'google' } },
      API_KEY: 'top-level-secret',
    };
    const response = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: AUTH, body });
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'key {{env_vars}} {{sip}} {{defaults}} {{API_KEY}} {{unknown}}' }]);
    expect(gateway.rawLogs()).to.not.include('env-secret-789');
    expect(gateway.rawLogs()).to.not.include('sip-raw-secret');
  });
});

describe('plugins are found on disk, not imported by name', () => {
  let directory: string;
  let gateway: TestGateway;
  before(async () => {
    // A plugin package written for this test only, in a folder the config names.
    directory = await mkdtemp(join(tmpdir(), 'graine-plugins-'));
    const pluginDirectory = join(directory, 'echo-plugin');
    await mkdir(join(pluginDirectory, 'dist'), { recursive: true });
    await writeFile(join(pluginDirectory, 'package.json'), JSON.stringify({ name: 'echo-plugin', type: 'module', main: 'dist/index.js', graine: { plugin: true } }));
    await writeFile(
      join(pluginDirectory, 'dist/index.js'),
      `export default {
        name: 'echo', version: '1.0.0', apiVersion: '1.0',
        optionsSchema: { type: 'object', properties: { prefix: { type: 'string' } }, required: ['prefix'] },
        setup({ options, route }) {
          return { callHook: (hook) => [{ verb: 'say', text: options.prefix + ' ' + hook.call_sid + ' for ' + route.account_sid }] };
        },
      };\n`,
    );
    gateway = await startTestGateway({
      plugins: { directories: [directory] },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          target: { plugin: 'echo', options: { prefix: 'echo:' } },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('loads a plugin package from a configured folder and routes to it with its options', async () => {
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: AUTH });
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'echo: CA-test-0001 for AC-1' }]);
  });
});
