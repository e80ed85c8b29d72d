import type { Principal } from '../auth/credential.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';
import { checkSignature, type SignableRequest } from '../signatures/check-signature.js';
import { rejection, WWW_AUTHENTICATE, type HookAnswer } from './hook-answer.js';

export interface AuthenticatableRequest extends SignableRequest {
  authorization: string | undefined;
}

/**
 * The first step of every hook's journey (call, follow-up, status): who is calling, by Basic
 * credentials, and — where the account asks for it — is the body signed by the platform. Either the
 * principal, or the 401 that ends the journey (its reason also labels the auth-failure metric).
 */
export async function authenticateHook(runtime: GatewayRuntime, request: AuthenticatableRequest): Promise<Principal | HookAnswer> {
  const authentication = await runtime.authenticator.authenticate(request.authorization);
  if (!authentication.ok) {
    return { ...rejection(401, 'unauthenticated', authentication.message, undefined, WWW_AUTHENTICATE), authFailure: authentication.reason };
  }
  return checkSignature(runtime, authentication.principal, request) ?? authentication.principal;
}

export function isAnswer(value: Principal | HookAnswer): value is HookAnswer {
  return 'status' in value;
}
