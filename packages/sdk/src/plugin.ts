import type { ActionHook, CallHook, StatusEvent } from './hooks.js';
import type { ServiceRef } from './services.js';
import type { Verb } from './verbs.js';

/**
 * The plugin contract's version. The gateway loads plugins whose `apiVersion` has the same major
 * and a minor no greater than its own.
 */
export const SDK_API_VERSION = '1.0';

/** A JSON Schema (draft 2020-12 or 07) describing a plugin's per-route options. */
export type JsonSchema = Record<string, unknown>;

/** What a handler knows about the hook it answers. */
export interface HookContext {
  /** Aborted when the hook's deadline passes: stop work, the caller already got the fallback. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the gateway stops waiting. */
  readonly deadline: number;
  readonly requestId: string;
}

export type MaybePromise<T> = T | Promise<T>;

export type CallHookHandler = (hook: CallHook, context: HookContext) => MaybePromise<Verb[]>;
/** `undefined` or `[]` means "no change": the platform continues the current verb stack (protocol §1.1). */
export type ActionHookHandler = (hook: ActionHook, context: HookContext) => MaybePromise<Verb[] | undefined>;
export type StatusEventHandler = (event: StatusEvent, context: HookContext) => MaybePromise<void>;

export interface PluginHandlers {
  callHook: CallHookHandler;
  /** Follow-up hooks by name: a verb's `"actionHook": "/menu"` comes back to `actionHooks.menu`. */
  actionHooks?: Record<string, ActionHookHandler>;
  statusEvent?: StatusEventHandler;
  /** Runs when the plugin instance is dropped (reload, shutdown). */
  dispose?: () => MaybePromise<void>;
}

export type ServiceRefs = Record<string, ServiceRef<unknown>>;
export type ResolvedServices<Deps extends ServiceRefs> = {
  [K in keyof Deps]: Deps[K] extends ServiceRef<infer T> ? T : never;
};

/** The route a plugin instance serves; one instance per configured route. */
export interface PluginRoute {
  account_sid: string;
  application_sid?: string;
}

export interface PluginSetupContext<Options, Deps extends ServiceRefs> {
  options: Options;
  deps: ResolvedServices<Deps>;
  route: PluginRoute;
}

export interface PluginDefinition<Options = Record<string, unknown>, Deps extends ServiceRefs = ServiceRefs> {
  name: string;
  version: string;
  apiVersion: string;
  /** Validated by the gateway at config load: an error names the plugin, the config path and the reason. */
  optionsSchema: JsonSchema;
  deps?: Deps;
  /**
   * Declares that `setup` and every handler return their result directly (no promise) and leave nothing
   * running behind them: no timers, promises or I/O. The gateway then calls the plugin without its async
   * call scope, whose promise hooks slow down every promise of the process once any plugin uses it (the
   * README's Performance section has the figures). A declared-synchronous plugin that returns a promise
   * fails (its hook gets the fallback verbs; a setup refuses the config); an error it leaves behind
   * anyway is traced to it only by the frames of its stack. Gateways that predate it ignore it.
   */
  synchronous?: boolean;
  setup(context: PluginSetupContext<Options, Deps>): MaybePromise<PluginHandlers>;
}

/** Identity function that gives a plugin's default export its type. */
export function definePlugin<Options, Deps extends ServiceRefs = Record<never, never>>(
  definition: PluginDefinition<Options, Deps>,
): PluginDefinition<Options, Deps> {
  return definition;
}

/**
 * Holds a plugin declared `synchronous` to its declaration. For a promise it returned anyway: drops that
 * promise's own outcome (so that it cannot become a stray rejection) and says what broke the declaration,
 * e.g. "declares itself synchronous but its setup returned a promise". For anything else: undefined.
 * The gateway and the SDK's test harness both judge with it.
 */
export function synchronousBreach(value: unknown, what: string): string | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  if (typeof (value as { then?: unknown }).then !== 'function') return undefined;
  (value as PromiseLike<unknown>).then(undefined, () => undefined);
  return `declares itself synchronous but its ${what} returned a promise`;
}
