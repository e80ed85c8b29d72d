import { expect } from 'chai';
import { BusiestNames, OTHER_LABEL } from './busiest-names.js';
import { GatewayMetrics } from './gateway-metrics.js';

describe('BusiestNames: a label that names only the busiest', () => {
  it('names the first N names and counts every later one as "other"', () => {
    const names = new BusiestNames(2);
    expect(['a', 'b', 'c', 'a', 'd'].map((name) => names.label(name))).to.deep.equal(['a', 'b', OTHER_LABEL, 'a', OTHER_LABEL]);
  });

  it('gives a busier name the place of a quieter one at the next rebalance', () => {
    const names = new BusiestNames(2);
    names.label('quiet');
    names.label('steady');
    for (let i = 0; i < 5; i++) names.label('busy');
    names.label('steady');
    expect(names.rebalance()).to.deep.equal(['quiet']);
    expect([names.peek('busy'), names.peek('steady'), names.peek('quiet')]).to.deep.equal(['busy', 'steady', OTHER_LABEL]);
  });

  it('keeps its named set through a window without traffic', () => {
    const names = new BusiestNames(1);
    names.label('a');
    names.rebalance();
    expect(names.rebalance()).to.deep.equal([]);
    expect(names.peek('a')).to.equal('a');
  });

  it('names nothing when the limit is 0', () => {
    expect(new BusiestNames(0).label('a')).to.equal(OTHER_LABEL);
  });
});

describe('GatewayMetrics: rebalancing removes the series of demoted targets', () => {
  it('drops a demoted target\'s series and counts its later hooks under "other"', async () => {
    const metrics = new GatewayMetrics({ targetLabels: 1, defaultMetrics: false, rebalanceIntervalMs: 0 });
    metrics.hookFinished('call', 'answered', undefined, 'early', 0.01);
    for (let i = 0; i < 3; i++) metrics.hookFinished('call', 'fallback', 'timeout', 'late', 0.01);
    metrics.upstreamRequest('early', 'ok', 0.01);
    let text = (await metrics.exposition()).text;
    expect(text).to.include('target="early"').and.include('graine_hooks_total{kind="call",outcome="fallback",target="other"} 3');
    await metrics.rebalance();
    metrics.hookFinished('call', 'answered', undefined, 'early', 0.01);
    metrics.hookFinished('call', 'fallback', 'timeout', 'late', 0.01);
    text = (await metrics.exposition()).text;
    expect(text).not.to.include('target="early"');
    expect(text).to.include('graine_hooks_total{kind="call",outcome="answered",target="other"} 1');
    expect(text).to.include('graine_fallbacks_total{kind="call",reason="timeout",target="late"} 1');
    metrics.close();
  });

  it('reports breaker states by capped target at scrape time', async () => {
    const metrics = new GatewayMetrics({ targetLabels: 1, defaultMetrics: false, rebalanceIntervalMs: 0 });
    metrics.upstreamRequest('named', 'ok', 0.01);
    metrics.breakerState('named', 'closed');
    metrics.breakerTransition('x', 'closed', 'open');
    metrics.breakerTransition('y', 'closed', 'open');
    const text = (await metrics.exposition()).text;
    expect(text).to.include('graine_breaker_state{target="named",state="closed"} 1');
    expect(text).to.include('graine_breaker_state{target="other",state="open"} 2');
    expect(text).to.include('graine_breaker_transitions_total{target="other",to="open"} 2');
    metrics.close();
  });

  it('counts each breaker of a target that has several (one per plugin route)', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false, rebalanceIntervalMs: 0 });
    metrics.breakerState('static', 'closed', 'static|AC-1');
    metrics.breakerState('static', 'closed', 'static|AC-2');
    metrics.breakerTransition('static', 'closed', 'open', 'static|AC-2');
    let text = (await metrics.exposition()).text;
    expect(text).to.include('graine_breaker_state{target="static",state="closed"} 1');
    expect(text).to.include('graine_breaker_state{target="static",state="open"} 1');
    metrics.breakerRemoved('static', 'static|AC-2');
    text = (await metrics.exposition()).text;
    expect(text).not.to.include('state="open"');
    metrics.close();
  });
});
