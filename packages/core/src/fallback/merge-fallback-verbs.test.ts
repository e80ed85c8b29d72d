import { expect } from 'chai';
import { BUILT_IN_FALLBACK, compileFallbackLevel, FallbackConfigProblem } from './merge-fallback-verbs.js';

const say = (text: string) => ({ verb: 'say', text });

describe('fallback lists merge from global to account to application', () => {
  it('replaces, prepends and appends as the README example shows', () => {
    const global = compileFallbackLevel(BUILT_IN_FALLBACK, { initial: [say('global'), { verb: 'hangup' }] });
    const account = compileFallbackLevel(global, { merge: 'prepend', initial: [say('account')] });
    const application = compileFallbackLevel(account, { merge: 'append', initial: [{ verb: 'pause', length: 1 }] });
    const replaced = compileFallbackLevel(account, { merge: 'replace', initial: [{ verb: 'sip:decline', status: 480 }] });
    expect(application.initial.render({})).to.deep.equal([say('account'), say('global'), { verb: 'hangup' }, { verb: 'pause', length: 1 }]);
    expect(replaced.initial.render({})).to.deep.equal([{ verb: 'sip:decline', status: 480 }]);
    expect(application.midCall).to.equal(BUILT_IN_FALLBACK.midCall);
  });

  it('refuses sip:decline mid-call, invalid verbs and unknown template fields, naming the entry', () => {
    const problem = (config: object) => {
      try {
        compileFallbackLevel(BUILT_IN_FALLBACK, config);
      } catch (error) {
        expect(error).to.be.instanceOf(FallbackConfigProblem);
        return `${(error as FallbackConfigProblem).path}: ${(error as Error).message}`;
      }
      return 'no problem';
    };
    expect(problem({ midCall: [say('x'), { verb: 'sip:decline', status: 480 }] })).to.match(/^midCall\[1\]: .*sip:decline/);
    expect(problem({ initial: [{ verb: 'say', txt: 'x' }] })).to.match(/^initial\[0\]: .*unknown property txt/);
    expect(problem({ initial: [say('key {{env_vars}}')] })).to.match(/^initial\[0\]: .*env_vars/);
    expect(problem({ initial: [] })).to.match(/^initial: .*empty/);
  });

  it('fills {{field}} from the hook with caller-supplied markup removed', () => {
    const lists = compileFallbackLevel(BUILT_IN_FALLBACK, {
      initial: [say('Sorry {{caller_name}}, {{to}} is closed.'), say('<speak>Bye {{caller_name}}</speak>')],
    });
    const verbs = lists.initial.render({ caller_name: '<speak>Evil & "co"</speak>', to: '15559870000', env_vars: { key: 'secret' } });
    expect(verbs).to.deep.equal([
      say('Sorry speakEvil  co/speak, 15559870000 is closed.'),
      say('<speak>Bye &lt;speak&gt;Evil &amp; &quot;co&quot;&lt;/speak&gt;</speak>'),
    ]);
  });
});
