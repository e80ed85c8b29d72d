import type { CacheableHookKind } from '../cache/cache-policy.js';
import type { CacheSource } from '../cache/response-cache.js';
import type { Route } from '../routing/route.js';
import { failure, type InvocationResult } from '../targets/target.js';
import { validateVerbs, type VerbContext } from '../verbs/validate-verbs.js';
import { ABANDONED, abandonAtDeadline, Deadline } from './deadline.js';
import type { ResilienceServices } from './resilience-services.js';

/** One hook to answer through a route's target, whatever the hook kind. */
export interface GuardedInvocation {
  route: Route;
  kind: CacheableHookKind;
  /** What the answer must be valid for: `initial` for the call hook, `midCall` for actionHooks. */
  verbContext: VerbContext;
  /** The hook as the platform sent it (query and body merged), for the cache key (`vary`). */
  fields: Readonly<Record<string, unknown>>;
  /** For follow-up hooks: which hook (its name or path), part of the cache key. */
  hookName?: string;
  /** Passes when the target's share of the budget is spent. */
  deadline: Deadline;
  /** Calls the target: `route.target.invokeCallHook(…)`, an upstream's `invoke(…)` for a follow-up hook, … */
  invoke: (deadline: Deadline) => Promise<InvocationResult>;
}

export interface GuardedResult {
  result: InvocationResult;
  source: CacheSource;
  /** For a stale answer: the failure it stood in for. */
  staleReason?: string;
}

/**
 * cache → breaker → target → validation, in that order. An open breaker answers `circuit_open` at
 * once and the target receives nothing; every failure (including verbs the platform would reject)
 * counts against the breaker; a failure may still be answered from the cache's stale-if-error window.
 */
export async function invokeGuarded(services: ResilienceServices, call: GuardedInvocation): Promise<GuardedResult> {
  const policy = call.route.cache;
  if (policy && policy.hooks.has(call.kind) && services.cache.enabled) {
    return services.cache.getOrInvoke(cacheKey(call), policy, () => invokeBehindBreaker(services, call));
  }
  return { result: await invokeBehindBreaker(services, call), source: 'target' };
}

/**
 * A hook's invocation under its route's budget. The answer must leave before the budget is spent: the
 * target gets the budget minus a small reserve (so that a stale cached answer can still stand in for a
 * target that timed out), and whatever is still running when the whole budget is gone is abandoned.
 */
export async function invokeWithinBudget(services: ResilienceServices, call: Omit<GuardedInvocation, 'deadline'>): Promise<GuardedResult> {
  const { deadlineMs } = call.route;
  const answerBy = Deadline.after(deadlineMs);
  const targetBy = Deadline.after(deadlineMs - Math.min(50, Math.floor(deadlineMs / 10)));
  try {
    return await abandonAtDeadline(invokeGuarded(services, { ...call, deadline: targetBy }), answerBy);
  } catch (error) {
    if (error !== ABANDONED) throw error;
    return { result: failure('timeout', 'no answer before the hook deadline'), source: 'target' };
  } finally {
    answerBy.release();
    targetBy.release();
  }
}

/** Tenant, application, hook and target always; hook fields only as the policy lists them. */
function cacheKey(call: GuardedInvocation): string {
  const { route } = call;
  const varying = route.cache!.vary.map((field) => {
    const value = call.fields[field];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  });
  return JSON.stringify([route.accountSid, route.applicationSid ?? '*', call.kind, call.hookName ?? '', route.target.name, ...varying]);
}

async function invokeBehindBreaker(services: ResilienceServices, call: GuardedInvocation): Promise<InvocationResult> {
  const { identity, settings } = call.route.breaker;
  const run = await services.breakers.run(identity, settings, () => invokeAndValidate(call), (result) => !result.ok);
  if (run.kind === 'open') return failure('circuit_open', `the breaker of ${call.route.target.name} is open`);
  return run.value;
}

async function invokeAndValidate(call: GuardedInvocation): Promise<InvocationResult> {
  let result: InvocationResult;
  try {
    result = await abandonAtDeadline(call.invoke(call.deadline), call.deadline);
  } catch (error) {
    if (error === ABANDONED) return failure('timeout', `${call.route.target.name} did not answer before the deadline`);
    return failure(call.route.target.kind === 'plugin' ? 'plugin_error' : 'connect_error', error instanceof Error ? error.message : String(error));
  }
  if (!result.ok || result.noChange) return result;
  const check = validateVerbs(result.verbs, call.verbContext);
  if (!check.ok) return failure(check.reason, check.problem);
  const { raw, ...validated } = result;
  // The bytes may stand for the validated verbs only if validation did not reshape them (legacy `{"say": {…}}`).
  return { ...validated, verbs: check.verbs, ...(raw && result.verbs.every(inVerbForm) && { raw }) };
}

function inVerbForm(verb: unknown): boolean {
  return typeof (verb as { verb?: unknown }).verb === 'string';
}
