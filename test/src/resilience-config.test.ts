import { expect } from 'chai';
import { ConfigError } from '@graine/core';
import { expectConfigRefusal } from './support/gateway-harness.js';

async function refusal(yaml: string): Promise<ConfigError> {
  return (await expectConfigRefusal(yaml)).error;
}

const ACCOUNT = `
accounts:
  AC-1:
    target: { plugin: static, options: { verbs: [{ verb: hangup }] } }
    applications:
      AP-1:
        fallback:
          merge: append
`;

describe('an invalid fallback list stops the start-up, naming where it is', () => {
  it('refuses sip:decline in a mid-call list', async () => {
    const error = await refusal(`${ACCOUNT}          midCall:
            - { verb: say, text: Sorry }
            - { verb: "sip:decline", status: 480 }
`);
    expect(error.path).to.equal('accounts.AC-1.applications.AP-1.fallback.midCall[1]');
    expect(error.reason).to.match(/sip:decline is only valid before the call is answered/);
    expect(error.line, "the line of the offending verb").to.equal(11);
  });

  it('refuses a verb the platform would reject, with its problem', async () => {
    const error = await refusal(`${ACCOUNT}          initial:
            - { verb: say, txt: Sorry }
`);
    expect(error.path).to.equal('accounts.AC-1.applications.AP-1.fallback.initial[0]');
    expect(error.reason).to.match(/say: unknown property txt/);
  });

  it('refuses a template naming a field that is not allowed (a secret could hide there)', async () => {
    const error = await refusal(`defaults:
  fallback:
    initial:
      - { verb: say, text: "Your key is {{env_vars}}" }
${ACCOUNT}`);
    expect(error.path).to.equal('defaults.fallback.initial[0]');
    expect(error.reason).to.match(/\{\{env_vars\}\} is not a field/);
  });

  it('refuses a breaker threshold out of range through the schema', async () => {
    const error = await refusal(`defaults:
  breaker: { volumeThreshold: 0 }
${ACCOUNT}`);
    expect(error.path).to.equal('defaults.breaker.volumeThreshold');
  });
});
