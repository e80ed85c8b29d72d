import type { Principal } from '../auth/credential.js';
import { parseCallHook, type ParsedCallHook, type QueryParameters } from '../hooks/parse-call-hook.js';
import type { Route } from '../routing/route.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import { checkSignature, type SignableRequest } from '../signatures/check-signature.js';
import type { RequestSigning } from '../signatures/webhook-signature.js';
import type { InvocationResult } from '../targets/target.js';
import { rejection, WWW_AUTHENTICATE, type HookAnswer } from './hook-answer.js';

export interface CallHookRequest extends SignableRequest {
  authorization: string | undefined;
  query: QueryParameters;
  body: unknown;
  requestId: string;
}

/**
 * The call hook's journey, in the order it happens: authenticate → parse → authorize → route →
 * invoke the target under the deadline → answer, or fall back. Each step either hands the next one a
 * typed value or ends the journey with an answer.
 */
export async function answerCallHook(runtime: GatewayRuntime, request: CallHookRequest): Promise<HookAnswer> {
  const authentication = await runtime.authenticator.authenticate(request.authorization);
  if (!authentication.ok) {
    return { ...rejection(401, 'unauthenticated', authentication.message, undefined, WWW_AUTHENTICATE), authFailure: authentication.reason };
  }
  const unsigned = checkSignature(runtime, authentication.principal, request);
  if (unsigned) return unsigned;

  const parsed = parseCallHook(request.query, request.body);
  if (!parsed.ok) return rejection(400, 'invalid_request', 'invalid call hook', parsed.problems);

  const routed = resolveRoute(runtime, authentication.principal, parsed.value);
  if ('status' in routed) return { ...routed, callSid: parsed.value.hook.call_sid };

  const result = await invokeWithDeadline(routed, parsed.value, request.requestId, runtime.wholeCall.signingFor(routed.accountSid, routed.target));
  return answerOrFallBack(routed, parsed.value, rewriteHooks(runtime, routed, parsed.value, result));
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

async function invokeWithDeadline(route: Route, parsed: ParsedCallHook, requestId: string, signing?: RequestSigning): Promise<InvocationResult> {
  const deadline = Date.now() + route.deadlineMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), route.deadlineMs);
  try {
    return await route.target.invokeCallHook({
      hook: parsed.hook,
      payload: parsed.payload,
      requestId,
      signal: controller.signal,
      deadline,
      ...(signing && { signing }),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Relative hooks in the answer must come back to this route: the platform drops their path (protocol §2.1). */
function rewriteHooks(runtime: GatewayRuntime, route: Route, parsed: ParsedCallHook, result: InvocationResult): InvocationResult {
  return result.ok ? { ok: true, verbs: runtime.wholeCall.rewriteVerbs(route, parsed.hook.application_sid, result.verbs) } : result;
}

function answerOrFallBack(route: Route, parsed: ParsedCallHook, result: InvocationResult): HookAnswer {
  const about = {
    accountSid: route.accountSid,
    applicationSid: parsed.hook.application_sid,
    callSid: parsed.hook.call_sid,
    target: route.target.name,
    from: parsed.hook.from,
    to: parsed.hook.to,
  };
  if (result.ok) return { status: 200, body: result.verbs, headers: {}, outcome: 'answered', ...about };
  return {
    status: 200,
    body: route.initialFallback,
    headers: { 'x-gateway-outcome': `fallback; reason=${result.reason}` },
    outcome: 'fallback',
    reason: result.reason,
    detail: result.detail,
    ...about,
  };
}
