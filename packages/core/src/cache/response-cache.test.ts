import { expect } from 'chai';
import { ResilienceEvents } from '../resilience/resilience-events.js';
import type { InvocationResult } from '../targets/target.js';
import { compileCachePolicy, freshnessMs } from './cache-policy.js';
import { ResponseCache } from './response-cache.js';

const answer = (text: string): InvocationResult => ({ ok: true, verbs: [{ verb: 'say', text }] });

describe('the answer cache stays within its byte budget', () => {
  it('evicts the least recently used answers once the bytes would exceed the budget, and reports it', async () => {
    const events = new ResilienceEvents();
    const evictions: number[] = [];
    events.on('cache', ({ event, bytes }) => event === 'eviction' && evictions.push(bytes ?? 0));
    const cache = new ResponseCache(events, 16 * 1024);
    const policy = compileCachePolicy({ ttlMs: 60_000 });
    const text = 'x'.repeat(1000);
    for (let n = 0; n < 100; n++) await cache.getOrInvoke(`key-${n}`, policy, async () => answer(`${n} ${text}`));
    expect(cache.totalBytes).to.be.at.most(16 * 1024);
    expect(cache.entries).to.be.below(100);
    expect(evictions.length).to.equal(100 - cache.entries);
    expect((await cache.getOrInvoke('key-99', policy, async () => answer('fresh'))).source, 'the newest is kept').to.equal('cache');
    expect((await cache.getOrInvoke('key-0', policy, async () => answer('fresh'))).source, 'the oldest went').to.equal('target');
  });

  it('does not store an answer larger than an eighth of the budget', async () => {
    const cache = new ResponseCache(new ResilienceEvents(), 16 * 1024);
    const policy = compileCachePolicy({ ttlMs: 60_000 });
    await cache.getOrInvoke('big', policy, async () => answer('y'.repeat(4000)));
    expect(cache.entries).to.equal(0);
  });

  it('reads Cache-Control as a shared cache does', () => {
    expect(freshnessMs(undefined, 5000)).to.equal(5000);
    expect(freshnessMs('max-age=60', 5000)).to.equal(60_000);
    expect(freshnessMs('max-age=60, s-maxage=10', 5000)).to.equal(10_000);
    expect(freshnessMs('public', 5000)).to.equal(5000);
    for (const header of ['no-store', 'no-cache', 'private, max-age=60', 'max-age=0', 'max-age=junk']) {
      expect(freshnessMs(header, 5000), header).to.equal(undefined);
    }
  });
});
