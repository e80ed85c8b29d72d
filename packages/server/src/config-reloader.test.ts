import { expect } from 'chai';
import { GatewayRuntime, RuntimeHolder, silentLogger, type LoadedConfig } from '@graine/core';
import { ConfigReloader } from './config-reloader.js';

/** A generation stand-in: the reloader only reads `generation` and `routes.accountCount`, and disposes it. */
function fakeRuntime(generation: number): GatewayRuntime {
  return { generation, routes: { accountCount: 1 }, dispose: async () => undefined } as unknown as GatewayRuntime;
}

describe('ConfigReloader', () => {
  it('runs one reload at a time and folds the requests made meanwhile into one more', async () => {
    const runtimes = new RuntimeHolder(fakeRuntime(1));
    let builds = 0;
    let release!: () => void;
    const reloader = new ConfigReloader({
      runtimes,
      buildGeneration: async (generation) => {
        builds += 1;
        if (builds === 1) await new Promise<void>((resolve) => (release = resolve));
        return { runtime: fakeRuntime(generation), loaded: {} as LoadedConfig, watchedPaths: [] };
      },
      logger: silentLogger,
      observer: { configReload: () => undefined },
      defaultDeadlineMs: () => 8000,
    });
    const first = reloader.reload('sighup');
    const second = reloader.reload('sighup');
    const third = reloader.reload('config_changed');
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await first).to.deep.equal({ ok: true, generation: 2 });
    expect(await second).to.deep.equal({ ok: true, generation: 3 });
    expect(await third).to.deep.equal({ ok: true, generation: 3 });
    expect(builds).to.equal(2);
    expect(runtimes.current.generation).to.equal(3);
  });

  it('keeps the serving generation and reports the reason when the build fails', async () => {
    const runtimes = new RuntimeHolder(fakeRuntime(7));
    const results: string[] = [];
    const reloader = new ConfigReloader({
      runtimes,
      buildGeneration: async () => {
        throw new Error('gateway.yaml:3 accounts: must be object');
      },
      logger: silentLogger,
      observer: { configReload: (result, generation) => void results.push(`${result}@${generation}`) },
      defaultDeadlineMs: () => 8000,
    });
    expect(await reloader.reload('manual')).to.deep.equal({ ok: false, generation: 7, reason: 'gateway.yaml:3 accounts: must be object' });
    expect(runtimes.current.generation).to.equal(7);
    expect(results).to.deep.equal(['failure@7']);
  });
});
