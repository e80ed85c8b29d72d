import { services, type PluginLogger, type PluginRoute, type ServiceRef, type ServiceRefs, type ResolvedServices } from '@graine/sdk';
import type { GatewayLogger } from '../logging.js';

/** Hands a plugin instance the services it declared, scoped to its plugin name and route. */
export interface PluginServiceProvider {
  resolve<Deps extends ServiceRefs>(plugin: string, route: PluginRoute, deps: Deps): ResolvedServices<Deps>;
}

/** Logger and clock; the fuller set (HTTP client, cache, metrics) is registered by the composition root. */
export class BasicPluginServices implements PluginServiceProvider {
  constructor(private readonly logger: GatewayLogger) {}

  resolve<Deps extends ServiceRefs>(plugin: string, route: PluginRoute, deps: Deps): ResolvedServices<Deps> {
    const resolved: Record<string, unknown> = {};
    for (const [key, ref] of Object.entries(deps)) resolved[key] = this.instance(plugin, route, ref);
    return resolved as ResolvedServices<Deps>;
  }

  private instance(plugin: string, route: PluginRoute, ref: ServiceRef<unknown>): unknown {
    if (ref.id === services.logger.id) return pluginLogger(this.logger.child({ plugin, ...route }));
    if (ref.id === services.clock.id) return { now: () => new Date() };
    throw new Error(`plugin ${plugin} asks for service "${ref.name}", which this gateway does not provide`);
  }
}

export function pluginLogger(logger: GatewayLogger): PluginLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}
