import { expect } from 'chai';
import { BreakerRegistry, DEFAULT_BREAKER_SETTINGS } from './breaker-registry.js';
import { ResilienceEvents } from './resilience-events.js';

describe('breakers are created on first use and dropped when idle', () => {
  it('5,000 tenants share one rotation timer, and evicting them (twice over) leaves nothing behind', async () => {
    const events = new ResilienceEvents();
    let created = 0;
    let evicted = 0;
    events.on('breakerLifecycle', ({ change }) => (change === 'created' ? created++ : evicted++));
    const registry = new BreakerRegistry(events, 60_000);
    try {
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          Array.from({ length: 5_000 }, (_, index) =>
            registry.run({ key: `upstream:tenant-${index}`, target: `tenant-${index}` }, DEFAULT_BREAKER_SETTINGS, async () => 'ok', () => false),
          ),
        );
        expect(registry.size).to.equal(5_000);
        expect(registry.clockCount, 'one shared bucket clock, not two timers per breaker').to.equal(1);
        expect(registry.sweepIdle(Date.now() + 60_000)).to.equal(5_000);
        expect(registry.size).to.equal(0);
        expect(registry.clockCount).to.equal(0);
      }
      expect(created).to.equal(10_000);
      expect(evicted).to.equal(10_000);
    } finally {
      registry.shutdown();
    }
  });

  it('keeps a breaker that is in use or was used recently', async () => {
    const registry = new BreakerRegistry(new ResilienceEvents(), 60_000);
    try {
      let release!: () => void;
      const busy = registry.run({ key: 'busy', target: 'busy' }, DEFAULT_BREAKER_SETTINGS, () => new Promise<void>((resolve) => (release = resolve)), () => false);
      await registry.run({ key: 'recent', target: 'recent' }, DEFAULT_BREAKER_SETTINGS, async () => undefined, () => false);
      expect(registry.sweepIdle(Date.now() + 120_000), 'only the recent one, once idle long enough').to.equal(1);
      expect(registry.stateOf('busy')).to.equal('closed');
      release();
      await busy;
      expect(registry.sweepIdle(Date.now() + 60_000)).to.equal(1);
    } finally {
      registry.shutdown();
    }
  });

  it('opens only after the volume threshold, then fails fast without calling the work', async () => {
    const registry = new BreakerRegistry(new ResilienceEvents(), 60_000);
    const settings = { ...DEFAULT_BREAKER_SETTINGS, volumeThreshold: 3, resetTimeoutMs: 60_000 };
    let calls = 0;
    const failing = () => registry.run({ key: 'quiet', target: 'quiet' }, settings, async () => ++calls, () => true);
    try {
      await failing();
      await failing();
      expect(registry.stateOf('quiet'), 'two failures of a quiet tenant do not open it').to.equal('closed');
      await failing();
      expect(registry.stateOf('quiet')).to.equal('open');
      expect(await failing()).to.deep.equal({ kind: 'open' });
      expect(calls).to.equal(3);
    } finally {
      registry.shutdown();
    }
  });

  it('keeps an open breaker past the idle time until its reset timeout is over', async () => {
    const registry = new BreakerRegistry(new ResilienceEvents(), 1000);
    const settings = { ...DEFAULT_BREAKER_SETTINGS, volumeThreshold: 1, resetTimeoutMs: 60_000 };
    try {
      await registry.run({ key: 'down', target: 'down' }, settings, async () => 'failed', () => true);
      expect(registry.stateOf('down')).to.equal('open');
      expect(registry.sweepIdle(Date.now() + 5000)).to.equal(0);
      expect(registry.sweepIdle(Date.now() + 60_000)).to.equal(1);
    } finally {
      registry.shutdown();
    }
  });
});
