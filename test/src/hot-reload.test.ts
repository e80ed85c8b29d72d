import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { writeTestPlugins, type TestPluginFolder } from './support/test-plugins.js';

/** A plugin in two files, so that a rebuild of a file other than the entry must be picked up too. */
const ECHO_ENTRY = `
import { BUILD } from './build.js';
export default {
  name: 'echo',
  version: '1.0.0',
  apiVersion: '1.0',
  optionsSchema: { type: 'object', required: ['text'], properties: { text: { type: 'string' }, delayMs: { type: 'integer' } } },
  deps: { logger: { id: Symbol.for('graine.sdk.service.logger'), name: 'logger' } },
  setup({ options, deps }) {
    return {
      callHook: async () => {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
        return [{ verb: 'say', text: options.text + ' ' + BUILD }];
      },
      dispose: () => deps.logger.info('echo disposed', { text: options.text }),
    };
  },
};
`;
const build = (name: string) => `export const BUILD = ${JSON.stringify(name)};\n`;

async function echoConfig(plugins: TestPluginFolder, text: unknown, delayOrReload: number | object = 40) {
  const reload = typeof delayOrReload === 'object' ? delayOrReload : undefined;
  const delayMs = typeof delayOrReload === 'number' ? delayOrReload : 40;
  return {
    plugins: { directories: [plugins.directory] },
    ...(reload && { reload }),
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        deadlineMs: 2000,
        applications: { 'AP-1': { target: { plugin: 'echo', options: { text, delayMs } } } },
      },
    },
  };
}

interface Answer {
  status: number;
  outcome: string | null;
  body: unknown;
}

async function ask(gateway: TestGateway): Promise<Answer> {
  const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: 'AP-1' })}`, {
    authorization: basicAuth('tenant1', 'secret-1'),
  });
  return { status: response.status, outcome: response.headers.get('x-gateway-outcome'), body: response.body };
}

const spoken = (answer: Answer) => (answer.body as Array<{ text: string }>)[0]!.text;

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('hot reload', () => {
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  before(async () => {
    plugins = await writeTestPlugins({ echo: { source: ECHO_ENTRY } });
    await writeFile(join(plugins.directory, 'echo', 'dist', 'build.js'), build('build-1'));
    gateway = await startTestGateway(await echoConfig(plugins, 'v1'));
  });
  after(async () => {
    await gateway.stop();
    await plugins.cleanup();
  });

  it('swaps in a new config under a steady stream of hooks without losing one: old answers, then new', async () => {
    const clients = 4;
    const maxPerClient = 60;
    let reloaded = false;
    let answersAfterReload = 0;
    const answers: Answer[][] = Array.from({ length: clients }, () => []);
    const stream = Array.from({ length: clients }, async (_, client) => {
      for (let index = 0; index < maxPerClient && answersAfterReload < 3 * clients; index++) {
        answers[client]!.push(await ask(gateway));
        if (reloaded) answersAfterReload += 1;
      }
    });
    await eventually(() => answers.flat().length >= 2 * clients);
    await writeFile(gateway.configFile, JSON.stringify(await echoConfig(plugins, 'v2')));
    const outcome = await gateway.reload();
    reloaded = true;
    await Promise.all(stream);

    expect(outcome).to.deep.equal({ ok: true, generation: 2 });
    for (const sequence of answers) {
      for (const answer of sequence) {
        expect(answer.status).to.equal(200);
        expect(answer.outcome, 'no hook fell back').to.equal(null);
        expect(answer.body).to.be.an('array').with.length(1);
      }
      const texts = sequence.map(spoken);
      expect(new Set(texts)).to.satisfy((seen: Set<string>) => [...seen].every((text) => text === 'v1 build-1' || text === 'v2 build-1'));
      // Each client sees the old answer, then the new one, never back.
      expect(texts.indexOf('v2 build-1')).to.be.greaterThan(0);
      expect(texts.lastIndexOf('v1 build-1')).to.be.lessThan(texts.indexOf('v2 build-1'));
    }
    // The retired generation's plugin instance is disposed once its last hook has finished.
    await eventually(() => gateway.logs.some((line) => line.msg === 'echo disposed' && line.text === 'v1'));
    expect(gateway.logs.some((line) => line.msg === 'config reloaded' && line.generation === 2)).to.equal(true);
  });

  it('lets a hook that started before a reload finish with the generation it started on', async () => {
    await writeFile(gateway.configFile, JSON.stringify(await echoConfig(plugins, 'slow-old', 400)));
    expect((await gateway.reload()).ok).to.equal(true);
    const inFlight = ask(gateway);
    await eventually(() => gateway.runtimes.inFlightCount > 0);
    await writeFile(gateway.configFile, JSON.stringify(await echoConfig(plugins, 'v2')));
    expect((await gateway.reload()).ok).to.equal(true);
    expect(spoken(await ask(gateway))).to.equal('v2 build-1');
    const answer = await inFlight;
    expect(answer.outcome).to.equal(null);
    expect(spoken(answer)).to.equal('slow-old build-1');
  });

  it('keeps the serving generation when a reload fails, and says why in the log and the metrics', async () => {
    await writeFile(gateway.configFile, JSON.stringify(await echoConfig(plugins, 42)));
    const outcome = await gateway.reload('sighup');
    expect(outcome.ok).to.equal(false);
    expect(outcome.ok === false && outcome.reason).to.contain('accounts.AC-1.applications.AP-1.target.options.text: plugin echo: must be string');
    const answer = await ask(gateway);
    expect(answer.outcome).to.equal(null);
    expect(spoken(answer)).to.equal('v2 build-1');
    const failure = gateway.logs.find((line) => line.msg === 'config reload failed; the previous generation keeps serving');
    expect(failure).to.include({ trigger: 'sighup', generation: 4 });
    const text = (await gateway.metrics.exposition()).text;
    expect(text).to.match(/graine_config_reloads_total\{result="failure"\} 1/);
    expect(text).to.match(/graine_config_generation 4/);
  });
});

describe('hot reload by watching files', () => {
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  before(async () => {
    plugins = await writeTestPlugins({ echo: { source: ECHO_ENTRY } });
    await writeFile(join(plugins.directory, 'echo', 'dist', 'build.js'), build('build-1'));
    gateway = await startTestGateway(await echoConfig(plugins, 'v1', { watch: true, debounceMs: 50 }));
  });
  after(async () => {
    await gateway.stop();
    await plugins.cleanup();
  });

  it("loads a plugin's new build, including files other than its entry, without a restart", async () => {
    expect(spoken(await ask(gateway))).to.equal('v1 build-1');
    await writeFile(join(plugins.directory, 'echo', 'dist', 'build.js'), build('build-2'));
    await eventually(async () => spoken(await ask(gateway)) === 'v1 build-2');
    expect(gateway.logs.some((line) => line.msg === 'config reloaded' && line.trigger === 'plugin_changed')).to.equal(true);
  });

  it('reloads when the config file changes', async () => {
    await writeFile(gateway.configFile, JSON.stringify(await echoConfig(plugins, 'v3', { watch: true, debounceMs: 50 })));
    await eventually(async () => spoken(await ask(gateway)).startsWith('v3 '));
    expect(gateway.logs.some((line) => line.msg === 'config reloaded' && line.trigger === 'config_changed')).to.equal(true);
  });

  it("runs the plugins' dispose on shutdown", async () => {
    await gateway.stop();
    expect(gateway.logs.some((line) => line.msg === 'echo disposed' && line.text === 'v3')).to.equal(true);
  });
});
