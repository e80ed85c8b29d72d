import { expect } from 'chai';
import { passwordHash } from './support/credentials.js';
import { startTestGateway } from './support/gateway-harness.js';
import { pluginSource, writeTestPlugins, type TestPluginFolder } from './support/test-plugins.js';

/** Starts a gateway whose one application uses `plugin`; resolves to the start-up error, or undefined. */
async function startUsing(folder: TestPluginFolder, target: object | undefined, extra: object = {}): Promise<{ error?: Error; logs: Array<Record<string, unknown>> }> {
  const config = {
    ...extra,
    plugins: { directories: [folder.directory], ...(extra as { plugins?: object }).plugins },
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        applications: { 'AP-1': { target: target ?? { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } } },
      },
    },
  };
  try {
    const gateway = await startTestGateway(config);
    const logs = gateway.logs;
    await gateway.stop();
    return { logs };
  } catch (error) {
    return { error: error as Error, logs: [] };
  }
}

describe('plugin discovery and loading', () => {
  let folder: TestPluginFolder;
  before(async () => {
    folder = await writeTestPlugins({
      'twin-a': { source: pluginSource('twin', '[{ verb: "say", text: "a" }]') },
      'twin-b': { source: pluginSource('twin', '[{ verb: "say", text: "b" }]') },
      unbuilt: { unbuilt: true },
      future: { source: pluginSource('future', '[{ verb: "hangup" }]', { apiVersion: '2.0' }) },
      'slow-setup': { source: pluginSource('slow-setup', '[{ verb: "hangup" }]', { setup: 'await new Promise(() => {});' }) },
      'failing-setup': { source: pluginSource('failing-setup', '[{ verb: "hangup" }]', { setup: "throw new Error('no API key given');" }) },
      'not-a-plugin': { manifest: { graine: {} }, source: 'export default 42;' },
      'async-setup-declared-synchronous': {
        source: `export default { name: 'async-setup-declared-synchronous', version: '1.0.0', apiVersion: '1.0', optionsSchema: { type: 'object' },
          synchronous: true, async setup() { return { callHook: () => [{ verb: 'hangup' }] }; } };`,
      },
    });
  });
  after(() => folder.cleanup());

  it('refuses to start when a route uses a plugin name that two packages claim', async () => {
    const { error } = await startUsing(folder, { plugin: 'twin' });
    expect(error?.name).to.equal('ConfigError');
    expect(error?.message).to.contain('accounts.AC-1.applications.AP-1.target.plugin').and.contain('two plugins are named "twin"');
  });

  it('refuses to start when a route uses a plugin that is not built', async () => {
    const { error } = await startUsing(folder, { plugin: 'unbuilt' });
    expect(error?.message).to.contain('plugin @test-plugin/unbuilt is not built').and.contain('run pnpm build');
  });

  it('refuses to start when a route uses a plugin made for another major SDK version', async () => {
    const { error } = await startUsing(folder, { plugin: 'future' });
    expect(error?.message).to.contain('plugin future targets SDK API 2.0, this gateway speaks 1.');
  });

  it('starts and warns about each broken plugin when no route uses them', async () => {
    const { error, logs } = await startUsing(folder, undefined);
    expect(error).to.equal(undefined);
    const warnings = logs.filter((line) => line.msg === 'plugin not loaded').map((line) => String(line.reason));
    expect(warnings.some((reason) => reason.includes('two plugins are named "twin"'))).to.equal(true);
    expect(warnings.some((reason) => reason.includes('is not built'))).to.equal(true);
    expect(warnings.some((reason) => reason.includes('targets SDK API 2.0'))).to.equal(true);
    expect(warnings.some((reason) => reason.includes('not-a-plugin'))).to.equal(false);
  });

  it('names the plugin, the option path and the reason when options do not match the plugin schema', async () => {
    const { error } = await startUsing(folder, { plugin: 'ivr-menu', options: { prompt: 'Press 1', choices: [{ digits: '1', action: { say: 'hi' } }], maxAttempts: 0 } });
    expect(error?.name).to.equal('ConfigError');
    expect(error?.message).to.contain('accounts.AC-1.applications.AP-1.target.options.maxAttempts: plugin ivr-menu: must be >= 1');
  });

  it('names an unknown option', async () => {
    const { error } = await startUsing(folder, { plugin: 'static', options: { verbs: [{ verb: 'hangup' }], colour: 'blue' } });
    expect(error?.message).to.contain('accounts.AC-1.applications.AP-1.target.options: plugin static: unknown option "colour"');
  });

  it('gives up on a setup that does not finish within plugins.setupTimeoutMs', async () => {
    const { error } = await startUsing(folder, { plugin: 'slow-setup' }, { plugins: { setupTimeoutMs: 100 } });
    expect(error?.message).to.contain('plugin slow-setup setup failed: setup did not finish within 100 ms');
  });

  it('reports a setup that throws with the plugin and its reason', async () => {
    const { error } = await startUsing(folder, { plugin: 'failing-setup' });
    expect(error?.message).to.contain('accounts.AC-1.applications.AP-1.target.plugin: plugin failing-setup setup failed: no API key given');
  });

  it('refuses a plugin declared synchronous whose setup returns a promise, naming the plugin and why', async () => {
    const { error } = await startUsing(folder, { plugin: 'async-setup-declared-synchronous' });
    expect(error?.message).to.contain(
      'accounts.AC-1.applications.AP-1.target.plugin: plugin async-setup-declared-synchronous setup failed: it declares itself synchronous but its setup returned a promise',
    );
  });
});
