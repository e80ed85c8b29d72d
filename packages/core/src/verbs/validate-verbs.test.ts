import { expect } from 'chai';
import { validateVerbs } from './validate-verbs.js';

describe('verb validation predicts what the platform accepts', () => {
  it('accepts verbs in both shapes and answers them in the { verb } shape', () => {
    const check = validateVerbs([{ say: { text: 'hi' } }, { verb: 'hangup' }], 'initial');
    expect(check).to.deep.equal({ ok: true, verbs: [{ verb: 'say', text: 'hi' }, { verb: 'hangup' }] });
  });

  it('rejects what the platform rejects', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ verb: 'say' }, /not a JSON array/],
      [[], /empty verb array/],
      [[{ verb: 'bogus' }], /invalid instruction: bogus/],
      [[{ verb: 'say', txt: 'x' }], /unknown property txt/],
      [[{ verb: 'dial' }], /missing value for target/],
      [[{ verb: 'rest:dial', call_hook: '/x', from: '1', to: { type: 'phone', number: '1' } }], /not a verb the platform runs/],
      [[{ verb: 'target', type: 'phone' }], /not a verb the platform runs/],
      [[{ text: 'x', loop: 2 }], /missing verb property/],
      [['say'], /array of objects/],
      [[null], /array of objects/],
      [[{ verb: 'gather', actionHook: { url: '/x', method: 'PUT' } }], /GET or POST/],
      [[{ verb: 'redirect', actionHook: { method: 'GET' } }], /no url/],
    ];
    for (const [verbs, problem] of cases) {
      const check = validateVerbs(verbs, 'initial');
      expect(check.ok, JSON.stringify(verbs)).to.equal(false);
      if (!check.ok) expect(check.problem).to.match(problem);
    }
  });

  it('allows an empty array mid-call but never sip:decline after answer', () => {
    expect(validateVerbs([], 'midCall').ok).to.equal(true);
    expect(validateVerbs([{ verb: 'sip:decline', status: 480 }], 'initial').ok).to.equal(true);
    expect(validateVerbs([{ verb: 'sip:decline', status: 480 }], 'midCall').ok).to.equal(false);
  });

  it('limits wait and confirm hook answers to the verbs the platform runs there', () => {
    expect(validateVerbs([{ verb: 'play', url: 'https://x/y.mp3' }], 'waitHook').ok).to.equal(true);
    expect(validateVerbs([{ verb: 'dial', target: [{ type: 'user', name: 'a' }] }], 'waitHook').ok).to.equal(false);
    expect(validateVerbs([{ verb: 'play', url: 'https://x/y.mp3' }], 'confirmHook').ok).to.equal(false);
  });
});
