import { AsyncLocalStorage } from 'node:async_hooks';
import type { PluginRoute } from '@graine/sdk';
import type { Deadline } from '../resilience/deadline.js';

/** Where an error escaped a plugin outside any handler's promise (protocol-independent Node terms). */
export type StrayErrorOrigin = 'uncaughtException' | 'unhandledRejection';

/** Told about an error that escaped plugin code; owned by the gateway that loaded the plugin. */
export interface PluginFaultSink {
  strayError(plugin: string, route: PluginRoute, origin: StrayErrorOrigin, error: unknown): void;
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
 * Every call into plugin code runs inside this storage. Node carries it into the timers and promises
 * the plugin creates, so a stray rejection or a throwing timer can be traced back to its plugin, and
 * the plugin's HTTP client can cut its requests to the hook's deadline.
 */
const pluginCalls = new AsyncLocalStorage<PluginCallContext>();

export function runInPlugin<T>(context: PluginCallContext, work: () => T): T {
  return pluginCalls.run(context, work);
}

/** The plugin call the current code runs for, if any. */
export function currentPluginCall(): PluginCallContext | undefined {
  return pluginCalls.getStore();
}
