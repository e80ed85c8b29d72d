import type { Verb } from '@graine/sdk';
import { rejection, WWW_AUTHENTICATE, type HookAnswer } from '../pipeline/hook-answer.js';
import type { Route } from '../routing/route.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import { checkSignature } from '../signatures/check-signature.js';
import { queueStatusEvent } from '../status/status-pipeline.js';
import type { ForwardedHook, InvocationResult } from '../targets/target.js';
import { forwardedMethod, hookPayload, stringField, type InboundHookRequest, type WholeCallServices } from './inbound-hook.js';
import { splitFollowUpPath, type RouteTokenClaims } from './route-token.js';
import { targetKey } from './whole-call-runtime.js';

/** Said when a follow-up hook fails and the route has no mid-call fallback of its own (call in progress: no sip:decline). */
export const DEFAULT_MID_CALL_FALLBACK: readonly Verb[] = Object.freeze([
  { verb: 'say', text: 'We are sorry, something went wrong. Goodbye.' },
  { verb: 'hangup' },
]);

/**
 * A follow-up hook's journey (`/t/<token>/<path>`): authenticate → verify the signature → verify the
 * route token → authorize (the principal must own the token's account) → find the route → forward to
 * the target that wrote the hook, under the route's deadline → rewrite the hooks in its answer → answer,
 * or fall back (mid-call fallback verbs; "no change" for hooks whose answer the platform ignores).
 */
export async function answerFollowUpHook(runtime: GatewayRuntime, services: WholeCallServices, request: InboundHookRequest): Promise<HookAnswer> {
  const authentication = await runtime.authenticator.authenticate(request.authorization);
  if (!authentication.ok) return rejection(401, 'unauthenticated', authentication.message, undefined, WWW_AUTHENTICATE);
  const principal = authentication.principal;
  const unsigned = checkSignature(runtime, principal, request);
  if (unsigned) return unsigned;

  const path = splitFollowUpPath(request.url);
  const claims = path && runtime.wholeCall.tokens.verify(path.token);
  if (!path || !claims) return rejection(404, 'unknown_route_token', 'unknown route token');
  if (principal.accountSid !== claims.accountSid || (principal.applicationSid !== undefined && principal.applicationSid !== claims.applicationSid)) {
    return rejection(403, 'forbidden', 'these credentials are not valid for this hook');
  }
  const route = currentRoute(runtime, claims);
  if (!route) return rejection(404, 'unknown_route_token', 'the route this hook belongs to is no longer configured');

  const payload = hookPayload(request.query, request.body);
  const callSid = stringField(payload, 'call_sid');
  services.affinity.remember(callSid, claims);
  const about = { accountSid: claims.accountSid, applicationSid: claims.applicationSid, target: route.target.name, ...(callSid && { callSid }) };
  const forwarded: Omit<ForwardedHook, 'signal' | 'deadline'> = {
    path: path.originalPath,
    ...(claims.origin && { origin: claims.origin }),
    method: forwardedMethod(request.method),
    ...(request.rawBody !== undefined && { rawBody: request.rawBody }),
    payload,
    ...(callSid && { callSid }),
    requestId: request.requestId,
    ...withSigning(runtime, claims.accountSid, route),
  };

  if (claims.kind === 'status') {
    const sink =
      route.target.kind === 'upstream'
        ? { key: targetKey(route.target), label: route.target.name, target: route.target }
        : runtime.wholeCall.statusSinkFor(claims.accountSid, claims.applicationSid, route);
    return { ...queueStatusEvent(services, sink, forwarded), ...about };
  }

  const result = await invokeWithDeadline(route, forwarded);
  if (result.ok) {
    if (result.verbs.length === 0) return { status: 204, body: undefined, headers: {}, outcome: 'answered', ...about };
    return { status: 200, body: runtime.wholeCall.rewriteVerbs(route, claims.applicationSid, result.verbs), headers: {}, outcome: 'answered', ...about };
  }
  const failed = { outcome: 'fallback' as const, reason: result.reason, detail: result.detail, ...about };
  const header = { 'x-gateway-outcome': `fallback; reason=${result.reason}` };
  // The platform ignores what a notification hook answers: "no change" is the whole fallback.
  if (claims.kind === 'notify') return { status: 204, body: undefined, headers: header, ...failed };
  return { status: 200, body: midCallFallbackOf(route), headers: header, ...failed };
}

/** The token's route in the serving config, if it still sends this application to the target that wrote the hook. */
function currentRoute(runtime: GatewayRuntime, claims: RouteTokenClaims): Route | undefined {
  const lookup = runtime.routes.lookup(claims.accountSid, claims.applicationSid);
  if (lookup.kind !== 'route' || targetKey(lookup.route.target) !== claims.target) return undefined;
  return lookup.route;
}

function withSigning(runtime: GatewayRuntime, accountSid: string, route: Route): Pick<ForwardedHook, 'signing'> {
  const signing = runtime.wholeCall.signingFor(accountSid, route.target);
  return signing ? { signing } : {};
}

async function invokeWithDeadline(route: Route, hook: Omit<ForwardedHook, 'signal' | 'deadline'>): Promise<InvocationResult> {
  const deadline = Date.now() + route.deadlineMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), route.deadlineMs);
  try {
    return await route.target.invokeFollowUpHook({ ...hook, signal: controller.signal, deadline });
  } finally {
    clearTimeout(timer);
  }
}

/** The route's own mid-call fallback list (resilience, issue 3) when it has one, else the default. */
function midCallFallbackOf(route: Route): readonly Verb[] {
  return (route as Route & { midCallFallback?: readonly Verb[] }).midCallFallback ?? DEFAULT_MID_CALL_FALLBACK;
}
