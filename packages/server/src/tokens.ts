/** Injection tokens of the composition root; business code receives instances, never the container. */
export const Tokens = {
  Logger: Symbol.for('graine.gateway.logger'),
  PluginServices: Symbol.for('graine.gateway.pluginServices'),
  Metrics: Symbol.for('graine.gateway.metrics'),
  PluginCache: Symbol.for('graine.gateway.pluginCache'),
  PluginHttp: Symbol.for('graine.gateway.pluginHttp'),
  PluginMetrics: Symbol.for('graine.gateway.pluginMetrics'),
  PluginFaults: Symbol.for('graine.gateway.pluginFaults'),
  Clock: Symbol.for('graine.gateway.clock'),
} as const;
