import type { DependencyContainer } from 'tsyringe';
import { services, type Clock, type PluginRoute, type ResolvedServices, type ServiceRefs } from '@graine/sdk';
import {
  scopedPluginLogger,
  systemClock,
  type GatewayLogger,
  type PluginCacheStore,
  type PluginHttpClients,
  type PluginInstanceResources,
  type PluginMetricsRegistry,
  type PluginServiceProvider,
} from '@graine/core';
import { Tokens } from './tokens.js';

/**
 * Part of the composition root: each plugin instance gets a child container in which the SDK's service
 * tokens resolve to instances scoped to that plugin and its tenant. The plugin receives only the
 * services it listed in `deps`; it never sees a container.
 */
export class PluginContainers implements PluginServiceProvider {
  constructor(private readonly root: DependencyContainer) {}

  resolve<Deps extends ServiceRefs>(plugin: string, route: PluginRoute, deps: Deps, resources: PluginInstanceResources = {}): ResolvedServices<Deps> {
    const scope = this.instanceContainer(plugin, route, resources);
    const resolved: Record<string, unknown> = {};
    for (const [key, ref] of Object.entries(deps)) {
      if (!scope.isRegistered(ref.id)) throw new Error(`plugin ${plugin} asks for service "${ref.name}", which this gateway does not provide`);
      resolved[key] = scope.resolve(ref.id);
    }
    return resolved as ResolvedServices<Deps>;
  }

  private instanceContainer(plugin: string, route: PluginRoute, resources: PluginInstanceResources): DependencyContainer {
    const scope = this.root.createChildContainer();
    scope.register(services.logger.id, { useFactory: (c) => scopedPluginLogger(c.resolve<GatewayLogger>(Tokens.Logger), plugin, route) });
    scope.register(services.cache.id, { useFactory: (c) => c.resolve<PluginCacheStore>(Tokens.PluginCache).view(plugin, route.account_sid) });
    scope.register(services.httpClient.id, {
      useFactory: (c) => c.resolve<PluginHttpClients>(Tokens.PluginHttp).forPlugin(plugin, route, resources.breakers),
    });
    scope.register(services.metrics.id, { useFactory: (c) => c.resolve<PluginMetricsRegistry>(Tokens.PluginMetrics).forPlugin(plugin) });
    scope.register(services.clock.id, { useFactory: (c) => (c.isRegistered(Tokens.Clock, true) ? c.resolve<Clock>(Tokens.Clock) : systemClock) });
    return scope;
  }
}
