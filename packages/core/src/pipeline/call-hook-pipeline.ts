import type { Principal } from '../auth/credential.js';
import { parseCallHook, type ParsedCallHook, type QueryParameters } from '../hooks/parse-call-hook.js';
import { invokeWithinBudget, type GuardedResult } from '../resilience/guarded-invocation.js';
import type { Route } from '../routing/route.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import type { SignableRequest } from '../signatures/check-signature.js';
import { authenticateHook, isAnswer } from './authenticate-hook.js';
import { rejection, servedFrom, WWW_AUTHENTICATE, type HookAnswer } from './hook-answer.js';

export interface CallHookRequest extends SignableRequest {
  authorization: string | undefined;
  query: QueryParameters;
  body: unknown;
  requestId: string;
}

/**
 * The call hook's journey, in the order it happens: authenticate → parse → authorize → route →
 * invoke the target under the deadline (cache → breaker → target → verb validation) → answer, or fall back. Each step either hands the next one a
 * typed value or ends the journey with an answer.
 */
export async function answerCallHook(runtime: GatewayRuntime, request: CallHookRequest): Promise<HookAnswer> {
  const principal = await authenticateHook(runtime, request);
  if (isAnswer(principal)) return principal;

  const parsed = parseCallHook(request.query, request.body);
  if (!parsed.ok) return rejection(400, 'invalid_request', 'invalid call hook', parsed.problems);

  const routed = resolveRoute(runtime, principal, parsed.value);
  if ('status' in routed) return { ...routed, callSid: parsed.value.hook.call_sid };

  const { hook, payload } = parsed.value;
  const signing = runtime.wholeCall.signingFor(routed.accountSid, routed.target);
  const guarded = await invokeWithinBudget(runtime.resilience, {
    route: routed,
    kind: 'call',
    verbContext: 'initial',
    fields: payload,
    invoke: (deadline) => routed.target.invokeCallHook({ hook, payload, requestId: request.requestId, deadline, ...(signing && { signing }) }),
  });
  return answerOrFallBack(runtime, routed, parsed.value, guarded);
}

/** Tenant isolation: a principal reaches only its own account and, if application-scoped, its own application. */
function resolveRoute(runtime: GatewayRuntime, principal: Principal, parsed: ParsedCallHook): Route | HookAnswer {
  const { account_sid, application_sid } = parsed.hook;
  if (!runtime.routes.hasAccount(account_sid)) {
    return rejection(401, 'unknown_account', `unknown account ${account_sid}`, undefined, WWW_AUTHENTICATE);
  }
  if (principal.accountSid !== account_sid) {
    return rejection(403, 'forbidden', `these credentials are not valid for account ${account_sid}`);
  }
  if (principal.applicationSid !== undefined && principal.applicationSid !== application_sid) {
    return rejection(403, 'forbidden', `these credentials are not valid for application ${application_sid}`);
  }
  const lookup = runtime.routes.lookup(account_sid, application_sid);
  switch (lookup.kind) {
    case 'route':
      return lookup.route;
    case 'foreign_application':
      return rejection(403, 'forbidden', `application ${application_sid} does not belong to account ${account_sid}`);
    case 'no_target':
      return rejection(404, 'no_route', `no target is configured for application ${application_sid}`);
    case 'unknown_account':
      return rejection(401, 'unknown_account', `unknown account ${account_sid}`, undefined, WWW_AUTHENTICATE);
  }
}

/** A fallback answer is still a 200 with valid verbs; the header and the log line say why. */
function answerOrFallBack(runtime: GatewayRuntime, route: Route, parsed: ParsedCallHook, guarded: GuardedResult): HookAnswer {
  const about = {
    accountSid: route.accountSid,
    applicationSid: parsed.hook.application_sid,
    callSid: parsed.hook.call_sid,
    target: route.target.name,
    from: parsed.hook.from,
    to: parsed.hook.to,
  };
  const { result } = guarded;
  if (result.ok) {
    // Relative hooks come back rewritten for this route: the platform drops their path (protocol §2.1).
    const json = runtime.wholeCall.answerJson(route, parsed.hook.application_sid, result, guarded.source);
    return { status: 200, body: json, ...servedFrom(guarded), ...about };
  }
  return {
    status: 200,
    body: route.initialFallback.render(parsed.hook as unknown as Record<string, unknown>),
    headers: { 'x-gateway-outcome': `fallback; reason=${result.reason}` },
    outcome: 'fallback',
    reason: result.reason,
    detail: result.detail,
    ...about,
  };
}
