import type { PluginHandlers, Verb } from '@graine/sdk';
import {
  failure,
  type CallHookInvocation,
  type DeliveryResult,
  type ForwardedHook,
  type InvocationResult,
  type Target,
} from '../targets/target.js';

/**
 * One plugin instance serving one route. A handler that throws, rejects or never settles yields a
 * failure value; it cannot take the request down with it.
 */
export class PluginTarget implements Target {
  readonly kind = 'plugin' as const;

  constructor(
    readonly name: string,
    private readonly handlers: PluginHandlers,
  ) {}

  async invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult> {
    const context = { signal: invocation.signal, deadline: invocation.deadline, requestId: invocation.requestId };
    let verbs: unknown;
    try {
      verbs = await abandonAtAbort(
        Promise.resolve().then(() => this.handlers.callHook(invocation.hook, context)),
        invocation.signal,
      );
    } catch (error) {
      if (error === ABANDONED) return failure('timeout', `plugin ${this.name} did not answer before the deadline`);
      return failure('plugin_error', `plugin ${this.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(verbs)) return failure('invalid_response', `plugin ${this.name} returned ${typeof verbs}, not an array of verbs`);
    if (verbs.length === 0) return failure('invalid_response', `plugin ${this.name} returned no verbs for the call hook`);
    return { ok: true, verbs: verbs as Verb[] };
  }

  /** Whether the plugin takes call-status events (its `statusEvent` handler). */
  get handlesStatusEvents(): boolean {
    return typeof this.handlers.statusEvent === 'function';
  }

  /** A relative hook in this plugin's verbs (`"/menu"`) comes back here, to `actionHooks.menu`. */
  async invokeFollowUpHook(hook: ForwardedHook): Promise<InvocationResult> {
    const name = actionHookName(hook.path);
    const handler = this.handlers.actionHooks?.[name];
    if (!handler) return failure('plugin_error', `plugin ${this.name} has no action hook "${name}"`);
    const context = { signal: hook.signal, deadline: hook.deadline, requestId: hook.requestId };
    let verbs: unknown;
    try {
      verbs = await abandonAtAbort(
        Promise.resolve().then(() => handler({ name, payload: hook.payload, ...(hook.callSid && { call_sid: hook.callSid }) }, context)),
        hook.signal,
      );
    } catch (error) {
      if (error === ABANDONED) return failure('timeout', `plugin ${this.name} did not answer "${name}" before the deadline`);
      return failure('plugin_error', `plugin ${this.name} failed on "${name}": ${error instanceof Error ? error.message : String(error)}`);
    }
    if (verbs === undefined) return { ok: true, verbs: [] };
    if (!Array.isArray(verbs)) return failure('invalid_response', `plugin ${this.name} returned ${typeof verbs}, not an array of verbs`);
    return { ok: true, verbs: verbs as Verb[] };
  }

  async deliverStatusEvent(event: ForwardedHook): Promise<DeliveryResult> {
    const handler = this.handlers.statusEvent;
    if (!handler) return { ok: true };
    const callStatus = event.payload.call_status;
    try {
      await abandonAtAbort(
        Promise.resolve().then(() =>
          handler(
            {
              payload: event.payload,
              ...(event.callSid && { call_sid: event.callSid }),
              ...(typeof callStatus === 'string' && { call_status: callStatus }),
            },
            { signal: event.signal, deadline: event.deadline, requestId: event.requestId },
          ),
        ),
        event.signal,
      );
      return { ok: true };
    } catch (error) {
      if (error === ABANDONED) return { ok: false, reason: 'timeout', detail: `plugin ${this.name} did not take the status event in time` };
      return { ok: false, reason: 'plugin_error', detail: `plugin ${this.name} failed on a status event: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async dispose(): Promise<void> {
    await this.handlers.dispose?.();
  }
}

const ABANDONED = Symbol('abandoned at the deadline');

function abandonAtAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(ABANDONED);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ABANDONED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `"/menu-choice?x=1"` → `"menu-choice"`: the name a plugin gave the hook, without slash or query. */
export function actionHookName(path: string | undefined): string {
  return (path ?? '/').split(/[?#]/)[0]!.replace(/^\/+/, '');
}
