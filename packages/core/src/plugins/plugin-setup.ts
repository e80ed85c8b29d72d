import { synchronousBreach, type PluginDefinition, type PluginHandlers, type PluginRoute } from '@graine/sdk';
import { runInPlugin, type PluginFaultSink } from './plugin-call-scope.js';
import type { PluginInstanceResources, PluginServiceProvider } from './plugin-services.js';

export const DEFAULT_SETUP_TIMEOUT_MS = 5000;

export interface PluginSetupRequest {
  definition: PluginDefinition<any, any>;
  options: Record<string, unknown>;
  route: PluginRoute;
  services: PluginServiceProvider;
  resources?: PluginInstanceResources;
  faults: PluginFaultSink;
  timeoutMs: number;
  /** Set up and call the plugin outside the call scope: it declares itself synchronous and the config trusts that. */
  synchronous: boolean;
}

/**
 * Resolves the plugin's declared services and runs its setup inside the plugin's call scope, bounded
 * by a timeout. A setup that finishes after its timeout is disposed at once: its instance is never used.
 */
export async function setUpPlugin(request: PluginSetupRequest): Promise<PluginHandlers> {
  if (request.synchronous) return setUpSynchronously(request);
  const { definition, options, route } = request;
  const scope = { plugin: definition.name, route, faults: request.faults };
  const setup = runInPlugin(scope, async () => {
    const deps = request.services.resolve(definition.name, route, definition.deps ?? {}, request.resources);
    return definition.setup({ options, deps, route });
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`setup did not finish within ${request.timeoutMs} ms`)), request.timeoutMs);
  });
  try {
    return checkedHandlers(await Promise.race([setup, timedOut]));
  } catch (error) {
    setup.then((late) => runInPlugin(scope, async () => late?.dispose?.()), () => undefined).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A plugin declared synchronous is set up outside the call scope (entering it once would turn on the
 * promise hooks it exists to avoid), and its setup must return its handlers directly.
 */
function setUpSynchronously(request: PluginSetupRequest): PluginHandlers {
  const { definition, options, route } = request;
  const deps = request.services.resolve(definition.name, route, definition.deps ?? {}, request.resources);
  const handlers: unknown = definition.setup({ options, deps, route });
  const breach = synchronousBreach(handlers, 'setup');
  if (breach) {
    // Its instance is never used: disposed as soon as the setup finishes, as a late setup is.
    Promise.resolve(handlers as Promise<PluginHandlers | undefined>).then((late) => late?.dispose?.()).catch(() => undefined);
    throw new Error(`it ${breach}`);
  }
  return checkedHandlers(handlers as PluginHandlers | undefined);
}

function checkedHandlers(handlers: PluginHandlers | undefined): PluginHandlers {
  if (!handlers || typeof handlers.callHook !== 'function') throw new Error('setup did not return handlers with a callHook function');
  return handlers;
}
