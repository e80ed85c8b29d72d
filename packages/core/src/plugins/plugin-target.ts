import { synchronousBreach, type HookContext, type PluginHandlers, type PluginRoute, type Verb } from '@graine/sdk';
import {
  failure,
  type CallHookInvocation,
  type DeliveryResult,
  type ForwardedHook,
  type InvocationResult,
  type Target,
} from '../targets/target.js';
import { ABANDONED, abandonAtDeadline, type Deadline } from '../resilience/deadline.js';
import { runInPlugin, type PluginFaultSink } from './plugin-call-scope.js';

/** Told how long each handler call took and whether it failed (GatewayMetrics.pluginHandler fits). */
export interface PluginHandlerObserver {
  pluginHandler(plugin: string, handler: string, seconds: number, error: boolean): void;
}

export interface PluginInstanceScope {
  route: PluginRoute;
  faults: PluginFaultSink;
  observer?: PluginHandlerObserver;
  /** The plugin declares itself synchronous: its handlers are called directly, outside the call scope. */
  synchronous?: boolean;
  /** Run when the instance is disposed (a synchronous plugin's stack registration). */
  onDispose?: () => void;
}

/**
 * One plugin instance serving one route. A handler that throws, rejects, never settles or answers
 * something that is not a verb array yields a failure value; it cannot take the request down with it.
 * Handlers run inside the plugin call scope, so errors they leave behind are attributed to the plugin;
 * a plugin declared synchronous is called directly instead (see PluginDefinition.synchronous).
 */
export class PluginTarget implements Target {
  readonly kind = 'plugin' as const;

  constructor(
    readonly name: string,
    private readonly handlers: PluginHandlers,
    private readonly scope: PluginInstanceScope,
  ) {}

  async invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult> {
    const context = new HandlerContext(invocation.deadline, invocation.requestId);
    return this.observed('callHook', () =>
      this.callHandler(() => this.handlers.callHook(invocation.hook, context), invocation.deadline).then(
        (verbs) => checkVerbs(this.name, verbs, { allowEmpty: false }),
        (error: unknown) => handlerFailure(this.name, error, ''),
      ),
    );
  }

  /** Whether the plugin takes call-status events (its `statusEvent` handler). */
  get handlesStatusEvents(): boolean {
    return typeof this.handlers.statusEvent === 'function';
  }

  hasActionHook(name: string): boolean {
    return typeof this.handlers.actionHooks?.[name] === 'function';
  }

  /** A relative hook in this plugin's verbs (`"/menu"`) comes back here, to `actionHooks.menu`. */
  async invokeFollowUpHook(hook: ForwardedHook): Promise<InvocationResult> {
    const name = actionHookName(hook.path);
    const handler = this.handlers.actionHooks?.[name];
    if (!handler) return failure('plugin_error', `plugin ${this.name} has no action hook "${name}"`);
    const context = new HandlerContext(hook.deadline, hook.requestId);
    return this.observed(`actionHook:${name}`, () =>
      this.callHandler(() => handler({ name, payload: hook.payload, ...(hook.callSid && { call_sid: hook.callSid }) }, context), hook.deadline).then(
        // `undefined` means "no change": the platform continues the current verb stack (protocol §1.1).
        (verbs) => (verbs === undefined ? { ok: true as const, verbs: [] } : checkVerbs(this.name, verbs, { allowEmpty: true })),
        (error: unknown) => handlerFailure(this.name, error, ` on "${name}"`),
      ),
    );
  }

  async deliverStatusEvent(event: ForwardedHook): Promise<DeliveryResult> {
    const handler = this.handlers.statusEvent;
    if (!handler) return { ok: true };
    const callStatus = event.payload.call_status;
    const context = new HandlerContext(event.deadline, event.requestId);
    const statusEvent = {
      payload: event.payload,
      ...(event.callSid && { call_sid: event.callSid }),
      ...(typeof callStatus === 'string' && { call_status: callStatus }),
    };
    return this.observed('statusEvent', () =>
      this.callHandler(() => handler(statusEvent, context), event.deadline).then(
        (): DeliveryResult => ({ ok: true }),
        (error: unknown): DeliveryResult => {
          if (error === ABANDONED) return { ok: false, reason: 'timeout', detail: `plugin ${this.name} did not take the status event in time` };
          return { ok: false, reason: 'plugin_error', detail: `plugin ${this.name} failed on a status event: ${describe(error)}` };
        },
      ),
    );
  }

  async dispose(): Promise<void> {
    try {
      if (this.scope.synchronous) await Promise.resolve().then(() => this.handlers.dispose?.());
      else await runInPlugin({ plugin: this.name, route: this.scope.route, faults: this.scope.faults }, async () => this.handlers.dispose?.());
    } finally {
      this.scope.onDispose?.();
    }
  }

  /** Reports how long a handler took and whether it failed; the handler label is the plugin's own, few names. */
  private async observed<R extends { ok: boolean }>(handler: string, work: () => Promise<R>): Promise<R> {
    const started = performance.now();
    const result = await work();
    this.scope.observer?.pluginHandler(this.name, handler.startsWith('actionHook:') ? 'actionHook' : handler, (performance.now() - started) / 1000, !result.ok);
    return result;
  }

  /** Runs a handler inside the plugin's scope and stops waiting for it when the hook's deadline passes. */
  private callHandler<T>(handler: () => T | Promise<T>, deadline: Deadline): Promise<T> {
    if (this.scope.synchronous) return callSynchronously(this.name, handler);
    const call = { plugin: this.name, route: this.scope.route, faults: this.scope.faults, deadline };
    return abandonAtDeadline(
      runInPlugin(call, () => Promise.resolve().then(handler)),
      deadline,
    );
  }
}

/** What a handler is told about its hook; the AbortSignal is built only if the handler asks for it. */
class HandlerContext implements HookContext {
  constructor(
    private readonly budget: Deadline,
    readonly requestId: string,
  ) {}

  get signal(): AbortSignal {
    return this.budget.signal;
  }

  get deadline(): number {
    return this.budget.at;
  }
}

/**
 * A declared-synchronous handler, called as it is: it cannot outlive the deadline (it blocks the process
 * while it runs), and a promise it returns anyway breaks its declaration.
 */
function callSynchronously<T>(plugin: string, handler: () => T | Promise<T>): Promise<T> {
  let value: T | Promise<T>;
  try {
    value = handler();
  } catch (error) {
    return Promise.reject(error);
  }
  const breach = synchronousBreach(value, 'handler');
  return breach ? Promise.reject(new Error(`plugin ${plugin} ${breach}`)) : Promise.resolve(value as T);
}

function handlerFailure(plugin: string, error: unknown, where: string): InvocationResult {
  if (error === ABANDONED) return failure('timeout', `plugin ${plugin} did not answer${where} before the deadline`);
  return failure('plugin_error', `plugin ${plugin} failed${where}: ${describe(error)}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The shape every verb array must have (protocol §1.1): an array of objects naming their verb. The
 * platform's full verb validation runs later in the pipeline; this catches answers that are not verbs at all.
 */
function checkVerbs(plugin: string, verbs: unknown, { allowEmpty }: { allowEmpty: boolean }): InvocationResult {
  if (!Array.isArray(verbs)) return failure('invalid_response', `plugin ${plugin} returned ${verbs === null ? 'null' : typeof verbs}, not an array of verbs`);
  if (verbs.length === 0 && !allowEmpty) return failure('invalid_response', `plugin ${plugin} returned no verbs for the call hook`);
  const index = verbs.findIndex((verb) => !isVerbShaped(verb));
  if (index >= 0) return failure('invalid_response', `plugin ${plugin} returned an element without a "verb" at index ${index}`);
  return { ok: true, verbs: verbs as Verb[] };
}

/** `{"verb": "say", …}` or the legacy single-key form `{"say": {…}}`. */
function isVerbShaped(verb: unknown): boolean {
  if (verb === null || typeof verb !== 'object' || Array.isArray(verb)) return false;
  if (typeof (verb as { verb?: unknown }).verb === 'string') return true;
  const keys = Object.keys(verb);
  const only = keys.length === 1 ? (verb as Record<string, unknown>)[keys[0]!] : undefined;
  return only !== null && typeof only === 'object';
}

/** `"/menu-choice?x=1"` → `"menu-choice"`: the name a plugin gave the hook, without slash or query. */
export function actionHookName(path: string | undefined): string {
  return (path ?? '/').split(/[?#]/)[0]!.replace(/^\/+/, '');
}
