import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { GatewayLogger } from '../logging.js';
import { PluginMetricsRegistry } from './plugin-metrics.js';

function recordingLogger(): GatewayLogger & { warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn: (fields: Record<string, unknown>) => void warnings.push(fields),
    error() {},
    child: () => logger,
  };
  return logger;
}

describe('plugin metrics', () => {
  it("label a plugin's series with its name, so two plugins' counters never mix", async () => {
    const registry = new Registry();
    const metrics = new PluginMetricsRegistry(registry, recordingLogger());
    metrics.forPlugin('ivr-menu').increment('choices', { choice: 'sales' });
    metrics.forPlugin('ivr-menu').increment('choices', { choice: 'sales' }, 2);
    metrics.forPlugin('other').increment('choices', { choice: 'sales' });
    metrics.forPlugin('ivr-menu').observe('lookup_seconds', 0.2);
    const text = await registry.metrics();
    expect(text).to.contain('graine_plugin_choices_total{plugin="ivr-menu",choice="sales"} 3');
    expect(text).to.contain('graine_plugin_choices_total{plugin="other",choice="sales"} 1');
    expect(text).to.contain('graine_plugin_lookup_seconds_count{plugin="ivr-menu"} 1');
  });

  it('keep the number of series bounded: extra label values become "other", extra metrics are dropped with one warning', async () => {
    const registry = new Registry();
    const logger = recordingLogger();
    const metrics = new PluginMetricsRegistry(registry, logger, { valuesPerLabel: 3, metricsPerPlugin: 2 });
    const plugin = metrics.forPlugin('chatty');
    for (const caller of ['a', 'b', 'c', 'd', 'e']) plugin.increment('calls', { caller });
    plugin.increment('second');
    plugin.increment('third');
    plugin.increment('third');
    const text = await registry.metrics();
    expect(text).to.contain('graine_plugin_calls_total{plugin="chatty",caller="c"} 1');
    expect(text).to.contain('graine_plugin_calls_total{plugin="chatty",caller="other"} 2');
    expect(text).not.to.contain('caller="d"');
    expect(text).not.to.contain('graine_plugin_third_total');
    expect(logger.warnings.filter((warning) => warning.metric === 'third')).to.have.length(1);
  });

  it('refuse names and labels that would break the exposition or hide the plugin label', async () => {
    const registry = new Registry();
    const logger = recordingLogger();
    const plugin = new PluginMetricsRegistry(registry, logger).forPlugin('p');
    plugin.increment('Bad-Name');
    plugin.increment('ok', { plugin: 'someone-else' });
    plugin.increment('fixed', { a: '1' });
    plugin.increment('fixed', { b: '1' });
    const text = await registry.metrics();
    expect(text).not.to.contain('someone-else');
    expect(text).to.contain('graine_plugin_fixed_total{plugin="p",a="1"} 1');
    expect(text).not.to.contain('b="1"');
    expect(logger.warnings.map((warning) => warning.metric)).to.deep.equal(['Bad-Name', 'ok', 'fixed']);
  });

  it('count errors that escaped a plugin by plugin and origin', async () => {
    const registry = new Registry();
    const metrics = new PluginMetricsRegistry(registry, recordingLogger());
    metrics.strayError('leaky', 'unhandledRejection');
    expect(await registry.metrics()).to.contain('graine_plugin_stray_errors_total{plugin="leaky",origin="unhandledRejection"} 1');
  });

  it("refuse a name the gateway's own catalogue already uses, instead of throwing in the plugin's handler", async () => {
    const registry = new Registry();
    const logger = recordingLogger();
    const metrics = new PluginMetricsRegistry(registry, logger);
    const plugin = metrics.forPlugin('clash');
    expect(() => plugin.increment('stray_errors')).not.to.throw();
    plugin.increment('counted');
    expect(() => plugin.observe('counted_total', 1)).not.to.throw();
    expect(logger.warnings.map((warning) => warning.metric)).to.deep.equal(['stray_errors', 'counted_total']);
  });
});
