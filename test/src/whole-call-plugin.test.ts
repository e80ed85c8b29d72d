import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { callInfo, eventually, followHook } from './support/platform.js';

/** A test-only plugin, written as plain ESM so that it needs nothing installed in its temp folder. */
const MENU_PLUGIN = `
const seen = (globalThis.__menuPluginSeen ??= []);
export default {
  name: 'menu-test',
  version: '0.0.1',
  apiVersion: '1.0',
  optionsSchema: { type: 'object' },
  setup({ route }) {
    const instance = route.application_sid;
    return {
      callHook: () => [{ verb: 'gather', input: ['digits'], actionHook: '/menu-choice', say: { text: 'Press 1' } }],
      actionHooks: {
        'menu-choice': (hook) => {
          seen.push({ instance, hook: hook.name, digits: hook.payload.digits, call_sid: hook.call_sid });
          return [{ verb: 'dial', target: [{ type: 'phone', number: '15550001111' }], actionHook: '/dial-done' }];
        },
        'dial-done': (hook) => {
          seen.push({ instance, hook: hook.name, status: hook.payload.dial_call_status });
          return [{ verb: 'hangup' }];
        },
        'no-change': () => undefined,
      },
      statusEvent: (event) => {
        seen.push({ instance, status: event.call_status, call_sid: event.call_sid });
      },
    };
  },
};
`;

describe('a whole call through a plugin', () => {
  let pluginFolder: string;
  let gateway: TestGateway;
  const tenant1 = basicAuth('tenant1', 'secret-1');
  const seen = () => (globalThis as { __menuPluginSeen?: Array<Record<string, unknown>> }).__menuPluginSeen ?? [];

  before(async () => {
    pluginFolder = await mkdtemp(join(tmpdir(), 'graine-plugins-'));
    await mkdir(join(pluginFolder, 'menu-test'));
    await writeFile(join(pluginFolder, 'menu-test', 'package.json'), JSON.stringify({ name: 'menu-test', type: 'module', main: 'index.js', graine: { plugin: true } }));
    await writeFile(join(pluginFolder, 'menu-test', 'index.js'), MENU_PLUGIN);
    gateway = await startTestGateway({
      plugins: { directories: [pluginFolder] },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-1': { target: { plugin: 'menu-test' } },
            'AP-other': { target: { plugin: 'menu-test' } },
            'AP-static': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text: 'Hours for {{to}}' }, { verb: 'hangup' }] } } },
          },
        },
      },
    });
  });
  after(async () => {
    await gateway.stop();
    await rm(pluginFolder, { recursive: true, force: true });
  });

  it('brings each relative hook back to the same plugin instance by name, with its payload, and status events to statusEvent', async () => {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'trying' }) });
    const [gather] = answer.body;
    expect(gather.actionHook).to.match(/^\/t\/[^/]+\/menu-choice$/);

    const afterGather = await followHook(gateway.url, gather.actionHook, callInfo({ digits: '1' }), { authorization: tenant1 });
    const [dial] = afterGather.body;
    expect(dial.verb).to.equal('dial');
    expect(dial.actionHook).to.match(/^\/t\/[^/]+\/dial-done$/);
    const afterDial = await followHook(gateway.url, dial.actionHook, callInfo({ dial_call_status: 'completed' }), { authorization: tenant1 });
    expect(afterDial.body).to.deep.equal([{ verb: 'hangup' }]);

    for (const call_status of ['in-progress', 'completed']) {
      const status = await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status }) });
      expect(status.body).to.deep.equal({ status: 'queued' });
    }
    await eventually(() => seen().filter((entry) => 'status' in entry && entry.hook === undefined).length === 2);
    expect(seen()).to.deep.equal([
      { instance: 'AP-1', hook: 'menu-choice', digits: '1', call_sid: 'CA-whole-1' },
      { instance: 'AP-1', hook: 'dial-done', status: 'completed' },
      { instance: 'AP-1', status: 'in-progress', call_sid: 'CA-whole-1' },
      { instance: 'AP-1', status: 'completed', call_sid: 'CA-whole-1' },
    ]);
  });

  it('answers "no change" when a plugin action hook returns nothing, and the mid-call fallback when it has no such hook', async () => {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'trying' }) });
    const token = (answer.body[0].actionHook as string).split('/')[2]!;
    const noChange = await followHook(gateway.url, `/t/${token}/no-change`, callInfo(), { authorization: tenant1 });
    expect(noChange.status).to.equal(204);
    const missing = await followHook(gateway.url, `/t/${token}/not-a-hook`, callInfo(), { authorization: tenant1 });
    expect(missing.status).to.equal(200);
    expect(missing.headers.get('x-gateway-outcome')).to.equal('fallback; reason=plugin_error');
  });

  it('hands the call to another application of the account when a plugin redirects to its name', async () => {
    const answer = await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: tenant1, body: callInfo({ call_status: 'trying' }) });
    const token = (answer.body[0].actionHook as string).split('/')[2]!;
    const redirected = await followHook(gateway.url, `/t/${token}/AP-static`, callInfo(), { authorization: tenant1 });
    expect(redirected.status).to.equal(200);
    expect(redirected.body).to.deep.equal([{ verb: 'say', text: 'Hours for 15559870000' }, { verb: 'hangup' }]);
    const elsewhere = await followHook(gateway.url, `/t/${token}/AP-unknown`, callInfo(), { authorization: tenant1 });
    expect(elsewhere.headers.get('x-gateway-outcome')).to.equal('fallback; reason=plugin_error');
  });
});
