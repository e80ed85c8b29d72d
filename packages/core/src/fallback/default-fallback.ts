import type { Verb } from '@graine/sdk';

/** What a caller hears when a tenant's target fails and nothing else is configured: a short apology, then hang up. */
export const DEFAULT_INITIAL_FALLBACK: readonly Verb[] = Object.freeze([
  { verb: 'say', text: 'We are sorry, this service is not available right now. Please try again later.' },
  { verb: 'hangup' },
]);

/** The same apology during the call; mid-call lists never hold sip:decline (valid only before answer). */
export const DEFAULT_MID_CALL_FALLBACK: readonly Verb[] = Object.freeze([
  { verb: 'say', text: 'We are sorry, something went wrong. Please call again later.' },
  { verb: 'hangup' },
]);
