import type { PluginHandlers, Verb } from '@graine/sdk';
import { failure, type CallHookInvocation, type InvocationResult, type Target } from '../targets/target.js';

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
