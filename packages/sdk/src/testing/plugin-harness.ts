import type { ActionHook, CallHook, StatusEvent } from '../hooks.js';
import { synchronousBreach, type PluginDefinition, type PluginHandlers, type PluginRoute, type ServiceRefs } from '../plugin.js';
import { services, type Clock, type PluginHttpClient, type ServiceRef } from '../services.js';
import type { Verb } from '../verbs.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';
import {
  createFakeHttpClient,
  createMemoryCache,
  createRecordingLogger,
  createRecordingMetrics,
  type FakeHttpClient,
  type FakeHttpHandler,
  type RecordingLogger,
  type RecordingMetrics,
} from './fake-services.js';
import { makeActionHook, makeCallHook, makeHookContext, makeStatusEvent } from './hooks.js';

export interface PluginHarnessOptions {
  /** Defaults to a fake clock at 2026-01-05T12:00:00Z (a Monday). */
  clock?: Clock;
  /** A handler answering the plugin's HTTP requests, or a whole client. Defaults to 404 for everything. */
  http?: FakeHttpHandler | PluginHttpClient;
  route?: PluginRoute;
  /** The deadline each handler call gets. */
  timeoutMs?: number;
}

/** The fake services a harness hands the plugin, for a test to inspect or steer. */
export interface HarnessServices {
  logger: RecordingLogger;
  metrics: RecordingMetrics;
  cache: ReturnType<typeof createMemoryCache>;
  clock: Clock;
  http: PluginHttpClient;
}

export interface PluginHarness {
  handlers: PluginHandlers;
  services: HarnessServices;
  /** Calls the plugin's call-hook handler with the seed hook plus `partial`. */
  callHook(partial?: Partial<CallHook>): Promise<Verb[]>;
  /** Calls `actionHooks[name]`; fails the test if the plugin has no such hook. */
  actionHook(name: string, payload?: Record<string, unknown>): Promise<Verb[] | undefined>;
  statusEvent(payload?: Record<string, unknown>): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Runs a plugin's setup with fake services scoped to it, as the gateway would, so that a plugin can be
 * tested in isolation: call a handler with a typed hook, assert the verbs.
 */
export async function createPluginHarness<Options, Deps extends ServiceRefs>(
  definition: PluginDefinition<Options, Deps>,
  options: Options,
  harnessOptions: PluginHarnessOptions = {},
): Promise<PluginHarness> {
  const clock = harnessOptions.clock ?? createFakeClock();
  const now = () => clock.now().getTime();
  const http = typeof harnessOptions.http === 'function' || harnessOptions.http === undefined
    ? createFakeHttpClient(harnessOptions.http as FakeHttpHandler | undefined)
    : harnessOptions.http;
  const fakes: HarnessServices = {
    logger: createRecordingLogger(),
    metrics: createRecordingMetrics(),
    cache: createMemoryCache(now),
    clock,
    http,
  };
  const route = harnessOptions.route ?? { account_sid: 'AC-test', application_sid: 'AP-test' };
  const deps: Record<string, unknown> = {};
  for (const [key, ref] of Object.entries(definition.deps ?? {})) deps[key] = fakeFor(ref, fakes, definition.name);
  const setUp = definition.setup({ options, deps: deps as never, route });
  // The gateway holds a synchronous plugin to its declaration; so does the harness, so that a test shows it.
  const held = <T>(what: string, value: T | Promise<T>): T | Promise<T> => {
    const breach = definition.synchronous === true ? synchronousBreach(value, what) : undefined;
    if (breach) throw new Error(`plugin ${definition.name} ${breach}`);
    return value;
  };
  const handlers = await held('setup', setUp);
  const context = () => makeHookContext(harnessOptions.timeoutMs);

  return {
    handlers,
    services: fakes,
    callHook: async (partial) => held('callHook handler', handlers.callHook(makeCallHook({ account_sid: route.account_sid, ...partial }), context())),
    actionHook: async (name, payload) => {
      const hook: ActionHook = makeActionHook(name, payload);
      const handler = handlers.actionHooks?.[hook.name];
      if (!handler) throw new Error(`plugin ${definition.name} has no action hook "${hook.name}"`);
      return held(`action hook "${hook.name}"`, handler(hook, context()));
    },
    statusEvent: async (payload) => {
      const event: StatusEvent = makeStatusEvent(payload);
      if (handlers.statusEvent) await held('statusEvent handler', handlers.statusEvent(event, context()));
    },
    dispose: async () => {
      if (handlers.dispose) await held('dispose', handlers.dispose());
    },
  };
}


function fakeFor(ref: ServiceRef<unknown>, fakes: HarnessServices, plugin: string): unknown {
  switch (ref.id) {
    case services.logger.id:
      return fakes.logger;
    case services.metrics.id:
      return fakes.metrics;
    case services.cache.id:
      return fakes.cache;
    case services.clock.id:
      return fakes.clock;
    case services.httpClient.id:
      return fakes.http;
    default:
      throw new Error(`plugin ${plugin} asks for service "${ref.name}", which the SDK does not define`);
  }
}

export type { FakeClock, FakeHttpClient };
