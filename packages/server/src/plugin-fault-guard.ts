import type { PluginRoute } from '@graine/sdk';
import { currentPluginCall, unscopedPluginBehind, type GatewayLogger, type PluginFaultSink, type PluginMetricsRegistry, type StrayErrorOrigin } from '@graine/core';

/**
 * Where a gateway hears about errors that escaped its plugins: logged with the plugin's name and
 * tenant, counted, and otherwise ignored, so that one team's stray promise does not stop the process.
 */
export class PluginFaultLog implements PluginFaultSink {
  constructor(
    private readonly logger: GatewayLogger,
    private readonly metrics: PluginMetricsRegistry,
  ) {}

  strayError(plugin: string, route: PluginRoute | undefined, origin: StrayErrorOrigin, error: unknown): void {
    this.metrics.strayError(plugin, origin);
    this.logger.error(
      {
        plugin,
        ...(route && { account_sid: route.account_sid }),
        ...(route?.application_sid && { application_sid: route.application_sid }),
        origin,
        err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) },
      },
      'error escaped plugin code; the gateway keeps serving',
    );
  }
}

let installed = 0;

/**
 * Installs the process-level handlers once for every running gateway (ref-counted) and returns the
 * function that removes them. An error raised under a plugin call (the async context Node carries
 * into the plugin's timers and promises) goes to the gateway that owns the plugin. Any other error
 * keeps Node's own behaviour: if nothing else listens, the process ends.
 */
export function installStrayErrorHandlers(): () => void {
  if (installed++ === 0) {
    process.on('uncaughtException', onUncaughtException);
    process.on('unhandledRejection', onUnhandledRejection);
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--installed === 0) {
      process.off('uncaughtException', onUncaughtException);
      process.off('unhandledRejection', onUnhandledRejection);
    }
  };
}

function onUncaughtException(error: unknown): void {
  attribute('uncaughtException', error);
}

function onUnhandledRejection(reason: unknown): void {
  attribute('unhandledRejection', reason);
}

/** A test runner may re-emit an event it caught; each error is reported once. */
const reported = new WeakSet<object>();

function attribute(origin: StrayErrorOrigin, error: unknown): void {
  // Under a plugin call, by its async context; else, for a plugin declared synchronous, by its stack.
  const scoped = currentPluginCall();
  const call = scoped ?? unscopedPluginBehind(error);
  if (call) {
    if (typeof error === 'object' && error !== null) {
      if (reported.has(error)) return;
      reported.add(error);
    }
    call.faults.strayError(call.plugin, scoped?.route, origin, error);
    return;
  }
  // Not plugin code: a gateway bug. Crash as Node would have, unless someone else (a test runner) also
  // listens for uncaught exceptions and so decides what happens.
  if (process.listenerCount('uncaughtException') === 1) {
    process.stderr.write(`graine-gateway: ${origin} outside plugin code: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
