import type { Principal } from '../auth/credential.js';
import { rejection, type HookAnswer } from '../pipeline/hook-answer.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import { verifySignature } from './webhook-signature.js';

/** The parts of an inbound hook a signature check reads. */
export interface SignableRequest {
  method?: string;
  rawBody?: string;
  header?: (name: string) => string | undefined;
}

/**
 * The step after Basic authentication on every hook: when the principal's account has a signature
 * policy, the hook must carry the platform's signature over its raw body. The account is the one the
 * credentials speak for, so an unauthenticated body never chooses which secret is tried.
 */
export function checkSignature(runtime: GatewayRuntime, principal: Principal, request: SignableRequest): HookAnswer | undefined {
  const policy = runtime.wholeCall.signaturePolicy(principal.accountSid);
  if (!policy) return undefined;
  const check = verifySignature(policy, {
    method: (request.method ?? 'POST').toUpperCase(),
    header: request.header?.(policy.header),
    rawBody: request.rawBody,
  });
  if (check.ok) return undefined;
  return { ...rejection(401, 'invalid_signature', check.message), detail: `signature ${check.failure}`, accountSid: principal.accountSid };
}
