import { expect } from 'chai';
import { createPluginHarness } from '@graine/sdk/testing';
import staticPlugin from './index.js';

describe('static plugin', () => {
  it('answers its fixed verbs with hook fields filled into the text', async () => {
    const harness = await createPluginHarness(staticPlugin, {
      verbs: [{ verb: 'say', text: 'Hello {{caller_name}}, you called {{ to }}.' }, { verb: 'hangup' }],
    });
    expect(await harness.callHook({ caller_name: 'Bob', to: '15559870000' })).to.deep.equal([
      { verb: 'say', text: 'Hello Bob, you called 15559870000.' },
      { verb: 'hangup' },
    ]);
  });

  it('never splices fields outside the allowed list, and strips markup from caller-supplied values', async () => {
    const harness = await createPluginHarness(staticPlugin, { verbs: [{ verb: 'say', text: '{{caller_name}} {{env_vars}} {{password}}' }] });
    expect(await harness.callHook({ caller_name: '<speak>Eve</speak>', extra: { env_vars: { API_KEY: 'secret' } } })).to.deep.equal([
      { verb: 'say', text: 'speakEve/speak {{env_vars}} {{password}}' },
    ]);
  });

  it('fills each hook its own values, nested too, and leaves its configured verbs untouched', async () => {
    const verbs = [
      { verb: 'gather', input: ['digits'], actionHook: '/menu', say: { text: 'Hi {{from}}' } },
      { verb: 'say', text: 'Goodbye' },
    ];
    const harness = await createPluginHarness(staticPlugin, { verbs });
    const first = await harness.callHook({ from: '15550001111' });
    const second = await harness.callHook({ from: '15550002222' });
    expect(first[0]).to.deep.include({ say: { text: 'Hi 15550001111' }, actionHook: '/menu' });
    expect(second[0]).to.deep.include({ say: { text: 'Hi 15550002222' } });
    expect(second[1]).to.deep.equal({ verb: 'say', text: 'Goodbye' });
    expect(verbs[0]!.say!.text, 'the options are not written to').to.equal('Hi {{from}}');
  });
});
