import { expect } from 'chai';
import { createPluginHarness, type PluginHarness } from '@graine/sdk/testing';
import ivrMenu, { type IvrMenuOptions } from './index.js';

const options: IvrMenuOptions = {
  prompt: 'For sales press 1, for support press 2, for our opening hours press 3.',
  speech: true,
  maxAttempts: 3,
  choices: [
    { digits: '1', speech: ['sales'], action: { dial: '+15550001111', callerId: '+15559870000' } },
    { digits: '2', speech: ['support', 'help'], action: { dial: 'sip:support@pbx.example.com' } },
    { digits: '3', action: { say: 'We are open from nine to five.' } },
    { digits: '9', action: { redirect: 'https://apps.example.com/voicemail' } },
  ],
};

describe('ivr-menu plugin', () => {
  let menu: PluginHarness;
  beforeEach(async () => {
    menu = await createPluginHarness(ivrMenu, options);
  });

  it('answers the call with a gather that speaks the prompt and reports to its own menu hook', async () => {
    const verbs = await menu.callHook();
    expect(verbs).to.deep.equal([
      {
        verb: 'gather',
        id: 'ivr-menu:attempt:1',
        input: ['digits', 'speech'],
        numDigits: 1,
        timeout: 5,
        actionHook: '/menu',
        say: { text: options.prompt },
      },
    ]);
  });

  it('dials a phone number when the caller presses its digit', async () => {
    const verbs = await menu.actionHook('/menu', { reason: 'dtmfDetected', digits: '1', verb_id: 'ivr-menu:attempt:1' });
    expect(verbs).to.deep.equal([
      { verb: 'dial', target: [{ type: 'phone', number: '+15550001111' }], callerId: '+15559870000' },
      { verb: 'hangup' },
    ]);
  });

  it('dials a SIP URI when the caller says a word of the entry', async () => {
    const verbs = await menu.actionHook('menu', {
      reason: 'speechDetected',
      speech: { is_final: true, alternatives: [{ transcript: 'I need Help please', confidence: 0.9 }] },
      verb_id: 'ivr-menu:attempt:1',
    });
    expect(verbs?.[0]).to.deep.equal({ verb: 'dial', target: [{ type: 'sip', sipUri: 'sip:support@pbx.example.com' }] });
  });

  it('says a message then hangs up, or redirects to another application', async () => {
    expect(await menu.actionHook('menu', { reason: 'dtmfDetected', digits: '3' })).to.deep.equal([
      { verb: 'say', text: 'We are open from nine to five.' },
      { verb: 'hangup' },
    ]);
    expect(await menu.actionHook('menu', { reason: 'dtmfDetected', digits: '9' })).to.deep.equal([
      { verb: 'redirect', actionHook: 'https://apps.example.com/voicemail' },
    ]);
  });

  it('re-prompts after a timeout, and after an invalid choice, counting the attempts', async () => {
    const afterSilence = await menu.actionHook('menu', { reason: 'timeout', verb_id: 'ivr-menu:attempt:1' });
    expect(afterSilence).to.have.length(1);
    expect(afterSilence?.[0]).to.include({ verb: 'gather', id: 'ivr-menu:attempt:2', actionHook: '/menu' });
    expect((afterSilence?.[0] as { say: { text: string } }).say.text).to.equal(`Sorry, I didn't get that. ${options.prompt}`);

    const afterWrongKey = await menu.actionHook('menu', { reason: 'dtmfDetected', digits: '7', verb_id: 'ivr-menu:attempt:2' });
    expect(afterWrongKey?.[0]).to.include({ verb: 'gather', id: 'ivr-menu:attempt:3' });
    expect((afterWrongKey?.[0] as { say: { text: string } }).say.text).to.match(/^Sorry, that is not a valid choice\. For sales/);
  });

  it('ignores speech when speech input is off', async () => {
    const digitsOnly = await createPluginHarness(ivrMenu, { ...options, speech: false });
    const verbs = await digitsOnly.actionHook('menu', {
      reason: 'speechDetected',
      speech: { alternatives: [{ transcript: 'sales' }] },
      verb_id: 'ivr-menu:attempt:1',
    });
    expect(verbs?.[0]).to.include({ verb: 'gather', id: 'ivr-menu:attempt:2' });
    expect((await digitsOnly.callHook())[0]).to.deep.include({ input: ['digits'] });
  });

  it('gives up politely after the last attempt', async () => {
    const verbs = await menu.actionHook('menu', { reason: 'timeout', verb_id: 'ivr-menu:attempt:3' });
    expect(verbs).to.deep.equal([
      { verb: 'say', text: 'Sorry, we could not understand your choice. Goodbye.' },
      { verb: 'hangup' },
    ]);
  });
});
