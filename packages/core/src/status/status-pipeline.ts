import { rejection, type HookAnswer } from '../pipeline/hook-answer.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import { forwardedMethod, hookPayload, stringField, type InboundHookRequest, type WholeCallServices } from '../follow-up/inbound-hook.js';
import type { StatusSink } from '../follow-up/whole-call-runtime.js';
import type { QueuedStatusEvent } from './status-forwarder.js';
import { authenticateHook, isAnswer } from '../pipeline/authenticate-hook.js';

/**
 * `/webhooks/status`: authenticate → verify the signature → find whose call it is (the sids in the
 * event, else the call affinity map) → authorize → queue for the tenant's status sink → answer 200 at
 * once. Nothing here waits for the sink.
 */
export async function answerStatusHook(runtime: GatewayRuntime, services: WholeCallServices, request: InboundHookRequest): Promise<HookAnswer> {
  const principal = await authenticateHook(runtime, request);
  if (isAnswer(principal)) return principal;

  const payload = hookPayload(request.query, request.body);
  const callSid = stringField(payload, 'call_sid');
  const known = services.affinity.routeOf(callSid, stringField(payload, 'parent_call_sid'));
  const accountSid = stringField(payload, 'account_sid') ?? known?.accountSid ?? principal.accountSid;
  const applicationSid = stringField(payload, 'application_sid') ?? known?.applicationSid ?? principal.applicationSid;
  if (principal.accountSid !== accountSid || (principal.applicationSid !== undefined && principal.applicationSid !== applicationSid)) {
    return rejection(403, 'forbidden', 'these credentials are not valid for this call');
  }
  const about = { accountSid, ...(applicationSid && { applicationSid }), ...(callSid && { callSid }) };
  if (applicationSid === undefined) {
    return { ...queueStatusEvent(services, runtime.wholeCall.statusSinkFor(accountSid, '', undefined), event(request, payload, callSid)), ...about };
  }
  const lookup = runtime.routes.lookup(accountSid, applicationSid);
  if (lookup.kind === 'foreign_application') {
    return rejection(403, 'forbidden', `application ${applicationSid} does not belong to account ${accountSid}`);
  }
  services.affinity.remember(callSid, { accountSid, applicationSid });
  const route = lookup.kind === 'route' ? lookup.route : undefined;
  const sink = runtime.wholeCall.statusSinkFor(accountSid, applicationSid, route);
  const signing = sink && runtime.wholeCall.signingFor(accountSid, sink.target);
  return { ...queueStatusEvent(services, sink, { ...event(request, payload, callSid), ...(signing && { signing }) }), ...about };
}

function event(request: InboundHookRequest, payload: Record<string, unknown>, callSid: string | undefined): QueuedStatusEvent {
  return {
    method: forwardedMethod(request.method),
    ...(request.rawBody !== undefined && { rawBody: request.rawBody }),
    payload,
    ...(callSid && { callSid }),
    requestId: request.requestId,
  };
}

/** Queues the event for its sink (if the tenant has one) and answers the platform at once. */
export function queueStatusEvent(services: WholeCallServices, sink: StatusSink | undefined, event: QueuedStatusEvent): HookAnswer {
  if (!sink) {
    return { status: 200, body: { status: 'no_sink' }, headers: {}, outcome: 'answered', detail: 'no status sink is configured for this application' };
  }
  services.statusForwarder.enqueue(sink, event);
  return { status: 200, body: { status: 'queued' }, headers: {}, outcome: 'answered', target: sink.label };
}
