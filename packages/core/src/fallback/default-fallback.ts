import type { Verb } from '@graine/sdk';

/** What a caller hears when a tenant's target fails and nothing else is configured: a short apology, then hang up. */
export const DEFAULT_INITIAL_FALLBACK: readonly Verb[] = Object.freeze([
  { verb: 'say', text: 'We are sorry, this service is not available right now. Please try again later.' },
  { verb: 'hangup' },
]);
