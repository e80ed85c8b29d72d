import { rejection, servedFrom, type HookAnswer } from '../pipeline/hook-answer.js';
import type { Route } from '../routing/route.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import type { RequestSigning } from '../signatures/webhook-signature.js';
import { queueStatusEvent } from '../status/status-pipeline.js';
import { parseCallHook } from '../hooks/parse-call-hook.js';
import { actionHookName, PluginTarget } from '../plugins/plugin-target.js';
import { invokeWithinBudget, type GuardedResult } from '../resilience/guarded-invocation.js';
import { failure, type ForwardedHook, type InvocationResult } from '../targets/target.js';
import { forwardedMethod, hookPayload, stringField, type InboundHookRequest, type WholeCallServices } from './inbound-hook.js';
import { splitFollowUpPath, type RouteTokenClaims } from './route-token.js';
import { targetKey } from './whole-call-runtime.js';
import { authenticateHook, isAnswer } from '../pipeline/authenticate-hook.js';

/**
 * A follow-up hook's journey (`/t/<token>/<path>`): authenticate → verify the signature → verify the
 * route token → authorize (the principal must own the token's account) → find the route → forward to
 * the target that wrote the hook, under the route's deadline → rewrite the hooks in its answer → answer,
 * or fall back (mid-call fallback verbs; "no change" for hooks whose answer the platform ignores).
 */
export async function answerFollowUpHook(runtime: GatewayRuntime, services: WholeCallServices, request: InboundHookRequest): Promise<HookAnswer> {
  const principal = await authenticateHook(runtime, request);
  if (isAnswer(principal)) return principal;

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
  const forwarded: Omit<ForwardedHook, 'deadline'> = {
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

  const handOver = applicationHandOver(runtime, route, claims, path.originalPath);
  const answering = handOver?.route ?? route;
  const answeringApplication = handOver?.applicationSid ?? claims.applicationSid;
  const guarded = handOver
    ? await invokeCallHookWithDeadline(runtime, handOver.route, handOver.applicationSid, payload, request, runtime.wholeCall.signingFor(claims.accountSid, handOver.route.target))
    : await invokeWithDeadline(runtime, route, forwarded);
  if (handOver) services.affinity.remember(callSid, { accountSid: claims.accountSid, applicationSid: handOver.applicationSid });
  const { result } = guarded;
  if (result.ok) {
    // Answered from the cache only when the application lists `action` in cache.hooks; labelled as for call hooks.
    const served = servedFrom(guarded);
    if (result.verbs.length === 0) return { status: 204, body: undefined, ...served, ...about };
    const json = runtime.wholeCall.answerJson(answering, answeringApplication, result, guarded.source);
    return { status: 200, body: json, ...served, ...about, applicationSid: answeringApplication, target: answering.target.name };
  }
  const failed = { outcome: 'fallback' as const, reason: result.reason, detail: result.detail, ...about };
  const header = { 'x-gateway-outcome': `fallback; reason=${result.reason}` };
  // The platform ignores what a notification hook answers: "no change" is the whole fallback.
  if (claims.kind === 'notify') return { status: 204, body: undefined, headers: header, ...failed };
  return { status: 200, body: route.midCallFallback.render(payload), headers: header, ...failed };
}

/** The token's route in the serving config, if it still sends this application to the target that wrote the hook. */
function currentRoute(runtime: GatewayRuntime, claims: RouteTokenClaims): Route | undefined {
  const lookup = runtime.routes.lookup(claims.accountSid, claims.applicationSid);
  if (lookup.kind !== 'route' || targetKey(lookup.route.target) !== claims.target) return undefined;
  return lookup.route;
}

/**
 * A plugin cannot serve HTTP paths, so a hook of its own named after another application of the same
 * account (`{"verb": "redirect", "actionHook": "/demo-app-hours"}`) hands the call to that application:
 * its target answers as for a new call hook (protocol §2.4: `session:redirect` carries the call info).
 * A plugin's own action hook of that name wins.
 */
function applicationHandOver(
  runtime: GatewayRuntime,
  route: Route,
  claims: RouteTokenClaims,
  originalPath: string,
): { route: Route; applicationSid: string } | undefined {
  if (claims.kind !== 'action' || !(route.target instanceof PluginTarget)) return undefined;
  const name = actionHookName(originalPath);
  if (name === '' || route.target.hasActionHook(name) || name === claims.applicationSid) return undefined;
  const lookup = runtime.routes.lookup(claims.accountSid, name);
  if (lookup.kind !== 'route' || lookup.route.applicationSid !== name) return undefined;
  return { route: lookup.route, applicationSid: name };
}

async function invokeCallHookWithDeadline(
  runtime: GatewayRuntime,
  route: Route,
  applicationSid: string,
  payload: Record<string, unknown>,
  request: InboundHookRequest,
  signing: RequestSigning | undefined,
): Promise<GuardedResult> {
  const handedOver = { ...payload, account_sid: route.accountSid, application_sid: applicationSid };
  const parsed = parseCallHook({}, handedOver);
  if (!parsed.ok) return targetResult(failure('invalid_response', `cannot hand the call to ${applicationSid}: ${parsed.problems.map((p) => `${p.field} ${p.problem}`).join(', ')}`));
  const { hook, payload: forwarded } = parsed.value;
  // The call is in progress: the new application's answer must be valid mid-call (no sip:decline).
  return invokeWithinBudget(runtime.resilience, {
    route,
    kind: 'call',
    verbContext: 'midCall',
    fields: forwarded,
    invoke: (deadline) => route.target.invokeCallHook({ hook, payload: forwarded, requestId: request.requestId, deadline, ...(signing && { signing }) }),
  });
}

function targetResult(result: InvocationResult): GuardedResult {
  return { result, source: 'target' };
}

function withSigning(runtime: GatewayRuntime, accountSid: string, route: Route): Pick<ForwardedHook, 'signing'> {
  const signing = runtime.wholeCall.signingFor(accountSid, route.target);
  return signing ? { signing } : {};
}

async function invokeWithDeadline(runtime: GatewayRuntime, route: Route, hook: Omit<ForwardedHook, 'deadline'>): Promise<GuardedResult> {
  const hookName = hook.path === undefined ? undefined : `${hook.method} ${hook.origin ?? ''}${hook.path}`;
  // Behind the route's breaker, validated as a mid-call answer; cached only when the application lists `action`.
  return invokeWithinBudget(runtime.resilience, {
    route,
    kind: 'action',
    verbContext: 'midCall',
    fields: hook.payload,
    ...(hookName !== undefined && { hookName }),
    invoke: (deadline) => route.target.invokeFollowUpHook({ ...hook, deadline }),
  });
}
