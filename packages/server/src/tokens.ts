/** Injection tokens of the composition root; business code receives instances, never the container. */
export const Tokens = {
  Logger: Symbol.for('graine.gateway.logger'),
  PluginServices: Symbol.for('graine.gateway.pluginServices'),
  Metrics: Symbol.for('graine.gateway.metrics'),
} as const;
