import type { Clock, PluginLogger, PluginRoute, ResolvedServices, ServiceRefs } from '@graine/sdk';
import type { GatewayLogger } from '../logging.js';
import type { BreakerRegistry } from '../resilience/breaker-registry.js';

/** What a plugin instance's services share with the generation that sets it up. */
export interface PluginInstanceResources {
  /** The generation's circuit breakers: the plugin's HTTP calls to each origin go through one. */
  breakers?: BreakerRegistry;
}

/** Hands a plugin instance the services it declared, scoped to its plugin name and route. */
export interface PluginServiceProvider {
  resolve<Deps extends ServiceRefs>(plugin: string, route: PluginRoute, deps: Deps, resources?: PluginInstanceResources): ResolvedServices<Deps>;
}

/** A logger whose every line carries the plugin and its tenant. */
export function scopedPluginLogger(logger: GatewayLogger, plugin: string, route: PluginRoute): PluginLogger {
  return pluginLogger(logger.child({ plugin, account_sid: route.account_sid, ...(route.application_sid && { application_sid: route.application_sid }) }));
}

export function pluginLogger(logger: GatewayLogger): PluginLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export const systemClock: Clock = { now: () => new Date() };
