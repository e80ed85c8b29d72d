import { expect } from 'chai';
import { CallAffinity } from './call-affinity.js';

const route = { accountSid: 'AC-1', applicationSid: 'AP-1' };

describe('call affinity', () => {
  it("finds a B-leg's route through its parent_call_sid", () => {
    const affinity = new CallAffinity();
    affinity.remember('CA-a', route);
    expect(affinity.routeOf('CA-b', 'CA-a')).to.deep.equal(route);
    expect(affinity.routeOf('CA-unknown')).to.equal(undefined);
  });

  it('holds at most maxCalls calls, forgetting the least recently seen, so a flood of call sids cannot grow it', () => {
    const affinity = new CallAffinity({ maxCalls: 100, ttlMs: 60_000 });
    for (let n = 0; n < 1_000; n++) affinity.remember(`CA-${n}`, route);
    expect(affinity.size).to.equal(100);
    expect(affinity.routeOf('CA-0')).to.equal(undefined);
    expect(affinity.routeOf('CA-999')).to.deep.equal(route);
  });

  it('forgets a call after its time to live', async () => {
    const affinity = new CallAffinity({ maxCalls: 100, ttlMs: 30 });
    affinity.remember('CA-a', route);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(affinity.routeOf('CA-a')).to.equal(undefined);
  });
});
