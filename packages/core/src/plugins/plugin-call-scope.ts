import { AsyncLocalStorage } from 'node:async_hooks';
import type { PluginRoute } from '@graine/sdk';
import type { Deadline } from '../resilience/deadline.js';

/** Where an error escaped a plugin outside any handler's promise (protocol-independent Node terms). */
export type StrayErrorOrigin = 'uncaughtException' | 'unhandledRejection';

/** Told about an error that escaped plugin code; owned by the gateway that loaded the plugin. */
export interface PluginFaultSink {
  /** `route` is undefined when the error was traced to a synchronous plugin by its stack (see below). */
  strayError(plugin: string, route: PluginRoute | undefined, origin: StrayErrorOrigin, error: unknown): void;
}

/** What plugin code runs under: the plugin, its route, the hook's deadline (if a hook is being answered). */
export interface PluginCallContext {
  plugin: string;
  route: PluginRoute;
  faults: PluginFaultSink;
  /** The hook's deadline; absent during setup and disposal. */
  deadline?: Deadline;
}

/**
 * Every call into plugin code runs inside this storage, except for plugins declared `synchronous`. Node
 * carries it into the timers and promises the plugin creates, so a stray rejection or a throwing timer can
 * be traced back to its plugin, and the plugin's HTTP client can cut its requests to the hook's deadline.
 *
 * Its price is paid by the whole process: the first `run` turns on Node 20's promise hooks for good, and
 * from then on every promise anyone creates (got makes hundreds per upstream request) runs them. Measured
 * with the benchmark's config: 17–20 % of the upstream path's CPU per hook, 5–14 % of the plugin path's.
 * A gateway whose plugins are all synchronous never turns them on.
 */
const pluginCalls = new AsyncLocalStorage<PluginCallContext>();

export function runInPlugin<T>(context: PluginCallContext, work: () => T): T {
  return pluginCalls.run(context, work);
}

/** The plugin call the current code runs for, if any. */
export function currentPluginCall(): PluginCallContext | undefined {
  return pluginCalls.getStore();
}

/** A synchronous plugin's code, by the URL prefix of its package folder: its stray errors are traced by stack. */
interface UnscopedPlugin {
  codeUrlPrefix: string;
  plugin: string;
  faults: PluginFaultSink;
  /** Live instances (routes) of this plugin under this fault sink. */
  instances: number;
}

const unscopedPlugins: UnscopedPlugin[] = [];

/**
 * Registers the code of a plugin instance that runs outside the call scope (declared synchronous), so that
 * an error it leaves behind anyway (a timer it should not have started) can still be traced to it by the
 * frames of its stack. Returns the function that removes the registration (the instance's disposal).
 */
export function registerUnscopedPlugin(codeUrlPrefix: string, plugin: string, faults: PluginFaultSink): () => void {
  let registration = unscopedPlugins.find((candidate) => candidate.codeUrlPrefix === codeUrlPrefix && candidate.faults === faults);
  if (!registration) unscopedPlugins.push((registration = { codeUrlPrefix, plugin, faults, instances: 0 }));
  registration.instances++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--registration.instances === 0) unscopedPlugins.splice(unscopedPlugins.indexOf(registration), 1);
  };
}

/** The synchronous plugin whose code is in this error's stack, if any (the newest registration wins). */
export function unscopedPluginBehind(error: unknown): Pick<UnscopedPlugin, 'plugin' | 'faults'> | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return undefined;
  for (let index = unscopedPlugins.length - 1; index >= 0; index--) {
    const registration = unscopedPlugins[index]!;
    if (stack.includes(registration.codeUrlPrefix)) return registration;
  }
  return undefined;
}
