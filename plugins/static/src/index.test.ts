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
});
