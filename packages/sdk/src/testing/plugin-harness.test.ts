import { expect } from 'chai';
import { definePlugin, SDK_API_VERSION, services } from '../index.js';
import { createFakeClock, createPluginHarness } from './index.js';

const greeter = definePlugin<{ greeting: string }, { logger: typeof services.logger; clock: typeof services.clock; http: typeof services.httpClient }>({
  name: 'greeter',
  version: '1.0.0',
  apiVersion: SDK_API_VERSION,
  optionsSchema: { type: 'object' },
  deps: { logger: services.logger, clock: services.clock, http: services.httpClient },
  setup({ options, deps }) {
    return {
      callHook: async (hook) => {
        deps.logger.info('greeting', { from: hook.from });
        const { body } = await deps.http.request<{ name: string }>({ url: `https://crm.example/callers/${hook.from}` });
        return [{ verb: 'say', text: `${options.greeting} ${body.name}, it is ${deps.clock.now().toISOString()}` }];
      },
      actionHooks: { menu: (hook) => [{ verb: 'say', text: `you pressed ${String(hook.payload.digits)}` }] },
    };
  },
});

describe('the SDK test harness', () => {
  it('runs a plugin with fake services that a test steers and inspects', async () => {
    const clock = createFakeClock('2026-03-01T10:00:00Z');
    const harness = await createPluginHarness(greeter, { greeting: 'Hello' }, {
      clock,
      http: (request) => ({ body: { name: request.url.endsWith('/15550001111') ? 'Bob' : 'stranger' } }),
    });
    clock.advance(60_000);
    const verbs = await harness.callHook({ from: '15550001111' });
    expect(verbs).to.deep.equal([{ verb: 'say', text: 'Hello Bob, it is 2026-03-01T10:01:00.000Z' }]);
    expect(harness.services.logger.lines).to.deep.include({ level: 'info', message: 'greeting', fields: { from: '15550001111' } });
  });

  it('calls a named action hook with its payload, leading slash or not', async () => {
    const harness = await createPluginHarness(greeter, { greeting: 'Hi' });
    expect(await harness.actionHook('/menu', { digits: '2' })).to.deep.equal([{ verb: 'say', text: 'you pressed 2' }]);
    await harness.actionHook('nothing').then(
      () => expect.fail('an unknown action hook must fail the test'),
      (error: Error) => expect(error.message).to.contain('no action hook "nothing"'),
    );
  });

  it('holds a plugin declared synchronous to its declaration, as the gateway does', async () => {
    const mistaken = definePlugin<Record<string, never>>({
      name: 'mistaken',
      version: '1.0.0',
      apiVersion: SDK_API_VERSION,
      optionsSchema: { type: 'object' },
      synchronous: true,
      setup() {
        return { callHook: () => [{ verb: 'hangup' }], actionHooks: { later: async () => [{ verb: 'hangup' }] } };
      },
    });
    const harness = await createPluginHarness(mistaken, {});
    expect(await harness.callHook()).to.deep.equal([{ verb: 'hangup' }]);
    await harness.actionHook('later').then(
      () => expect.fail('an async handler of a synchronous plugin must fail the test'),
      (error: Error) => expect(error.message).to.equal('plugin mistaken declares itself synchronous but its action hook "later" returned a promise'),
    );
    const asyncSetup = definePlugin<Record<string, never>>({ ...mistaken, name: 'async-setup', setup: async () => ({ callHook: () => [{ verb: 'hangup' }] }) });
    await createPluginHarness(asyncSetup, {}).then(
      () => expect.fail('an async setup of a synchronous plugin must fail the test'),
      (error: Error) => expect(error.message).to.equal('plugin async-setup declares itself synchronous but its setup returned a promise'),
    );
  });
});
