import { Counter, Histogram, type Registry } from 'prom-client';
import type { PluginMetrics } from '@graine/sdk';
import type { GatewayLogger } from '../logging.js';
import type { StrayErrorOrigin } from './plugin-call-scope.js';

export interface PluginMetricsLimits {
  /** Distinct metric names one plugin may create; more are dropped with a warning. */
  metricsPerPlugin?: number;
  /** Label keys per metric, besides `plugin`. */
  labelsPerMetric?: number;
  /** Distinct values one label may take; later values are counted as `other`. */
  valuesPerLabel?: number;
}

const METRIC_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const LABEL_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const OTHER = 'other';

/**
 * Plugin-defined metrics and the plugin fault counter, registered on the gateway's prom-client registry.
 * A plugin's `increment("orders")` becomes `graine_plugin_orders_total{plugin="…"}`; the limits keep a
 * plugin from creating unbounded series (no call ids, no numbers as labels).
 */
export class PluginMetricsRegistry {
  private readonly counters = new Map<string, Counter<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();
  private readonly namesByPlugin = new Map<string, Set<string>>();
  private readonly labelValues = new Map<string, Set<string>>();
  private readonly labelNamesBySeries = new Map<string, string>();
  private readonly warned = new Set<string>();
  private readonly strayErrors: Counter<'plugin' | 'origin'>;
  private readonly limits: Required<PluginMetricsLimits>;

  constructor(
    private readonly registry: Registry,
    private readonly logger: GatewayLogger,
    limits: PluginMetricsLimits = {},
  ) {
    this.limits = { metricsPerPlugin: 20, labelsPerMetric: 3, valuesPerLabel: 20, ...limits };
    this.strayErrors = new Counter({
      name: 'graine_plugin_stray_errors_total',
      help: 'Errors that escaped plugin code outside a handler (a stray rejected promise or a throwing timer), by plugin and origin.',
      labelNames: ['plugin', 'origin'],
      registers: [registry],
    });
  }

  strayError(plugin: string, origin: StrayErrorOrigin): void {
    this.strayErrors.inc({ plugin, origin });
  }

  forPlugin(plugin: string): PluginMetrics {
    return {
      increment: (name, labels = {}, by = 1) => {
        const metric = this.counter(plugin, name, labels);
        metric?.counter.inc(metric.labels, by);
      },
      observe: (name, value, labels = {}) => {
        const metric = this.histogram(plugin, name, labels);
        metric?.histogram.observe(metric.labels, value);
      },
    };
  }

  private counter(plugin: string, name: string, labels: Record<string, string>): { counter: Counter<string>; labels: Record<string, string> } | undefined {
    const found = this.metric(plugin, `graine_plugin_${name}_total`, name, labels, this.counters, (options) =>
      new Counter({ ...options, help: `Plugin-defined counter "${name}".` }),
    );
    return found && { counter: found.metric, labels: found.labels };
  }

  private histogram(plugin: string, name: string, labels: Record<string, string>): { histogram: Histogram<string>; labels: Record<string, string> } | undefined {
    const found = this.metric(plugin, `graine_plugin_${name}`, name, labels, this.histograms, (options) =>
      new Histogram({ ...options, help: `Plugin-defined histogram "${name}".` }),
    );
    return found && { histogram: found.metric, labels: found.labels };
  }

  /** The plugin's metric of that name, made on first use; refused when the limits or another metric forbid it. */
  private metric<M>(
    plugin: string,
    seriesName: string,
    name: string,
    labels: Record<string, string>,
    made: Map<string, M>,
    create: (options: { name: string; labelNames: string[]; registers: Registry[] }) => M,
  ): { metric: M; labels: Record<string, string> } | undefined {
    const series = this.series(plugin, seriesName, name, labels);
    if (!series) return undefined;
    let metric = made.get(series.name);
    if (!metric && this.registry.getSingleMetric(series.name)) return this.refuse(plugin, name, 'the name is taken by another metric');
    if (!metric) {
      metric = create({ name: series.name, labelNames: series.labelNames, registers: [this.registry] });
      made.set(series.name, metric);
    }
    return { metric, labels: series.labels };
  }

  /** Checks a plugin's metric against the limits; the label values it returns are bounded. */
  private series(
    plugin: string,
    seriesName: string,
    name: string,
    labels: Record<string, string>,
  ): { name: string; labelNames: string[]; labels: Record<string, string> } | undefined {
    const keys = Object.keys(labels).sort();
    if (!METRIC_NAME.test(name)) return this.refuse(plugin, name, 'metric names are lower_snake_case');
    if (keys.length > this.limits.labelsPerMetric || !keys.every((key) => LABEL_NAME.test(key) && key !== 'plugin')) {
      return this.refuse(plugin, name, `at most ${this.limits.labelsPerMetric} lower_snake_case labels, not "plugin"`);
    }
    const names = this.namesByPlugin.get(plugin) ?? new Set<string>();
    if (!names.has(seriesName) && names.size >= this.limits.metricsPerPlugin) {
      return this.refuse(plugin, name, `a plugin may define at most ${this.limits.metricsPerPlugin} metrics`);
    }
    const labelNames = ['plugin', ...keys];
    const fixed = this.labelNamesBySeries.get(seriesName);
    if (fixed !== undefined && fixed !== labelNames.join()) return this.refuse(plugin, name, `its labels must stay ${fixed}`);
    this.labelNamesBySeries.set(seriesName, labelNames.join());
    names.add(seriesName);
    this.namesByPlugin.set(plugin, names);
    const bounded: Record<string, string> = { plugin };
    for (const key of keys) bounded[key] = this.boundedValue(`${seriesName}|${plugin}|${key}`, String(labels[key]));
    return { name: seriesName, labelNames, labels: bounded };
  }

  private boundedValue(key: string, value: string): string {
    let values = this.labelValues.get(key);
    if (!values) this.labelValues.set(key, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.limits.valuesPerLabel) return OTHER;
    values.add(value);
    return value;
  }

  private refuse(plugin: string, name: string, reason: string): undefined {
    const key = `${plugin}|${name}|${reason}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.logger.warn({ plugin, metric: name, reason }, 'plugin metric dropped');
    }
    return undefined;
  }
}
