import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { pluginSource, writeTestPlugins, type TestPluginFolder } from './support/test-plugins.js';

/** The plugins a careless team might ship: each fails in its own way. */
const BROKEN = {
  thrower: pluginSource('thrower', 'null', { body: "throw new Error('database is down');" }),
  rejecter: pluginSource('rejecter', 'Promise.reject(new Error("nope"))'),
  hanger: pluginSource('hanger', 'new Promise(() => {})'),
  'not-an-array': pluginSource('not-an-array', '{ verb: "say", text: "forgot the brackets" }'),
  'empty-answer': pluginSource('empty-answer', '[]'),
  'not-verbs': pluginSource('not-verbs', '[{ verb: "say", text: "ok" }, "hangup"]'),
  'stray-rejection': pluginSource('stray-rejection', '[{ verb: "say", text: "fine" }]', {
    body: "Promise.reject(new Error('forgotten promise'));",
  }),
  'stray-timer': pluginSource('stray-timer', '[{ verb: "say", text: "fine" }]', {
    body: "setTimeout(() => { throw new Error('timer went off'); }, 5);",
  }),
};

/** A gateway whose account AC-1 (tenant1) routes application `AP-<name>` to each of these plugin sources. */
async function gatewayWithPlugins(
  sources: Record<string, string>,
  account: object = {},
  pluginSettings: object = {},
): Promise<{ plugins: TestPluginFolder; gateway: TestGateway }> {
  const plugins = await writeTestPlugins(Object.fromEntries(Object.entries(sources).map(([name, source]) => [name, { source }])));
  const gateway = await startTestGateway({
    plugins: { directories: [plugins.directory], ...pluginSettings },
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        ...account,
        applications: Object.fromEntries(Object.keys(sources).map((name) => [`AP-${name}`, { target: { plugin: name } }])),
      },
    },
  });
  return { plugins, gateway };
}

async function stopWithPlugins(gateway: TestGateway, plugins: TestPluginFolder): Promise<void> {
  await gateway.stop();
  await plugins.cleanup();
}

/** A call hook from tenant1 for `AP-<plugin>`, with these fields over the seed's. */
function callPlugin(gateway: TestGateway, plugin: string, fields: Record<string, string> = {}) {
  return sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: `AP-${plugin}`, ...fields })}`, {
    authorization: basicAuth('tenant1', 'secret-1'),
  });
}

describe('a failing plugin never takes a hook or the gateway down', () => {
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  before(async () => {
    ({ plugins, gateway } = await gatewayWithPlugins(BROKEN, { deadlineMs: 300 }));
  });
  after(() => stopWithPlugins(gateway, plugins));

  const call = (plugin: string) => callPlugin(gateway, plugin);

  for (const [plugin, reason] of [
    ['thrower', 'plugin_error'],
    ['rejecter', 'plugin_error'],
    ['hanger', 'timeout'],
    ['not-an-array', 'invalid_response'],
    ['empty-answer', 'invalid_response'],
    ['not-verbs', 'invalid_response'],
  ] as const) {
    it(`answers the fallback verbs with reason ${reason} when the plugin ${plugin.replace(/-/g, ' ')}`, async () => {
      const response = await call(plugin);
      expect(response.status).to.equal(200);
      expect(response.headers.get('x-gateway-outcome')).to.equal(`fallback; reason=${reason}`);
      expect(response.body).to.be.an('array').that.is.not.empty;
      expect(response.body[0]).to.have.property('verb');
    });
  }

  it('logs and counts a stray rejected promise under the plugin that left it, and keeps serving', async () => {
    const response = await call('stray-rejection');
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'fine' }]);
    await waitFor(() => gateway.logs.some((line) => line.msg === 'error escaped plugin code; the gateway keeps serving' && line.plugin === 'stray-rejection'));
    const line = gateway.logs.find((entry) => entry.plugin === 'stray-rejection' && entry.origin === 'unhandledRejection')!;
    expect(line.account_sid).to.equal('AC-1');
    expect((line.err as { message: string }).message).to.equal('forgotten promise');
    expect(await strayErrors(gateway, 'stray-rejection', 'unhandledRejection')).to.equal(1);
    expect((await call('stray-rejection')).status).to.equal(200);
  });

  it('logs and counts an exception thrown by a plugin timer, and keeps serving', async () => {
    await withMochaStandingAside(async () => {
      const response = await call('stray-timer');
      expect(response.body).to.deep.equal([{ verb: 'say', text: 'fine' }]);
      await waitFor(() => gateway.logs.some((line) => line.plugin === 'stray-timer' && line.origin === 'uncaughtException'));
      expect(await strayErrors(gateway, 'stray-timer', 'uncaughtException')).to.equal(1);
      expect((await call('stray-timer')).status).to.equal(200);
      await waitFor(() => gateway.logs.filter((line) => line.plugin === 'stray-timer' && line.origin === 'uncaughtException').length === 2);
    });
  });

  it('counts handler failures per plugin in the plugin handler error metric', async () => {
    const text = (await gateway.metrics.exposition()).text;
    expect(text).to.match(/graine_plugin_handler_errors_total\{plugin="thrower",handler="callHook"\} [1-9]/);
    expect(text).to.match(/graine_plugin_handler_errors_total\{plugin="hanger",handler="callHook"\} [1-9]/);
  });
});

/** A plugin declared synchronous (called without the async call scope) whose call hook runs `body`. */
function synchronousPlugin(name: string, callHook: string): string {
  return `export default { name: '${name}', version: '1.0.0', apiVersion: '1.0', optionsSchema: { type: 'object' }, synchronous: true,
    setup() { return { callHook: ${callHook} }; } };`;
}

describe('a plugin declared synchronous is called directly, and held to its declaration', () => {
  const SYNCHRONOUS = {
    'sync-answers': synchronousPlugin('sync-answers', "(hook) => [{ verb: 'say', text: 'hello ' + hook.to }]"),
    'sync-throws': synchronousPlugin('sync-throws', "() => { throw new Error('bad lookup table'); }"),
    'sync-returns-promise': synchronousPlugin('sync-returns-promise', "async () => { throw new Error('rejected later'); }"),
    'sync-leaves-timer': synchronousPlugin('sync-leaves-timer', "() => { setTimeout(function leftBehind() { throw new Error('timer of a synchronous plugin'); }, 5); return [{ verb: 'say', text: 'fine' }]; }"),
  };
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  before(async () => {
    ({ plugins, gateway } = await gatewayWithPlugins(SYNCHRONOUS));
  });
  after(() => stopWithPlugins(gateway, plugins));

  const call = (plugin: string) => callPlugin(gateway, plugin, { to: '+15550001111' });

  it('answers with what the handler returns', async () => {
    const response = await call('sync-answers');
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'hello +15550001111' }]);
  });

  it('answers the fallback verbs with reason plugin_error when the handler throws', async () => {
    const response = await call('sync-throws');
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=plugin_error');
    await waitFor(() => gateway.logs.some((entry) => entry.target === 'sync-throws' && entry.outcome === 'fallback'));
    const line = gateway.logs.find((entry) => entry.target === 'sync-throws' && entry.outcome === 'fallback');
    expect(String(line?.detail)).to.contain('bad lookup table');
  });

  it('answers the fallback verbs when the handler returns a promise, says why, and leaves no stray rejection', async () => {
    const response = await call('sync-returns-promise');
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=plugin_error');
    await waitFor(() => gateway.logs.some((entry) => entry.target === 'sync-returns-promise' && entry.outcome === 'fallback'));
    const line = gateway.logs.find((entry) => entry.target === 'sync-returns-promise' && entry.outcome === 'fallback');
    expect(String(line?.detail)).to.contain('declares itself synchronous but its handler returned a promise');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await strayErrors(gateway, 'sync-returns-promise', 'unhandledRejection')).to.equal(0);
  });

  it('traces an error a synchronous plugin leaves behind to it by its stack, and keeps serving', async () => {
    await withMochaStandingAside(async () => {
      const response = await call('sync-leaves-timer');
      expect(response.body).to.deep.equal([{ verb: 'say', text: 'fine' }]);
      await waitFor(() => gateway.logs.some((line) => line.plugin === 'sync-leaves-timer' && line.origin === 'uncaughtException'));
      const line = gateway.logs.find((entry) => entry.plugin === 'sync-leaves-timer' && entry.origin === 'uncaughtException')!;
      expect((line.err as { message: string }).message).to.equal('timer of a synchronous plugin');
      // Traced by stack, not by a call: the tenant is not known.
      expect(line).not.to.have.property('account_sid');
      expect(await strayErrors(gateway, 'sync-leaves-timer', 'uncaughtException')).to.equal(1);
      expect((await call('sync-answers')).status).to.equal(200);
    });
  });
});

describe('plugins.trustSynchronous: false', () => {
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  before(async () => {
    ({ plugins, gateway } = await gatewayWithPlugins(
      {
        'sync-returns-promise': synchronousPlugin('sync-returns-promise', "async (hook) => [{ verb: 'say', text: 'answered later for ' + hook.to }]"),
        'sync-leaves-timer': synchronousPlugin('sync-leaves-timer', "() => { setTimeout(() => { throw new Error('timer, in scope'); }, 5); return [{ verb: 'say', text: 'fine' }]; }"),
      },
      {},
      { trustSynchronous: false },
    ));
  });
  after(() => stopWithPlugins(gateway, plugins));

  const call = (plugin: string) => callPlugin(gateway, plugin, { to: '+15550002222' });

  it('treats a plugin declared synchronous as any other: its promise is awaited', async () => {
    const response = await call('sync-returns-promise');
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'answered later for +15550002222' }]);
  });

  it('runs it inside the call scope, so what it leaves behind is attributed to its tenant', async () => {
    await withMochaStandingAside(async () => {
      await call('sync-leaves-timer');
      await waitFor(() => gateway.logs.some((line) => line.plugin === 'sync-leaves-timer' && line.origin === 'uncaughtException'));
      const line = gateway.logs.find((entry) => entry.plugin === 'sync-leaves-timer' && entry.origin === 'uncaughtException')!;
      expect(line.account_sid).to.equal('AC-1');
      expect(line.application_sid).to.equal('AP-sync-leaves-timer');
    });
  });
});

/** mocha treats any uncaught exception as a test failure; it steps aside so the gateway's own handler is judged. */
async function withMochaStandingAside(work: () => Promise<void>): Promise<void> {
  const mochaListeners = process.listeners('uncaughtException').filter((listener) => listener.name !== 'onUncaughtException');
  mochaListeners.forEach((listener) => process.off('uncaughtException', listener));
  try {
    await work();
  } finally {
    mochaListeners.forEach((listener) => process.on('uncaughtException', listener));
  }
}

async function strayErrors(gateway: TestGateway, plugin: string, origin: string): Promise<number> {
  const text = (await gateway.metrics.exposition()).text;
  const match = new RegExp(`graine_plugin_stray_errors_total\\{plugin="${plugin}",origin="${origin}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
