/**
 * Types for `@jambonz/verb-specifications` 0.1.13, which ships none. Only what the gateway calls is
 * declared (protocol §5.1): every function throws an Error with a plain message on invalid input.
 */
declare module '@jambonz/verb-specifications' {
  type SpecLogger = { info(...args: unknown[]): void; debug?(...args: unknown[]): void };
  export function validate(logger: SpecLogger, verbs: unknown): void;
  export function validateVerb(name: string, data: unknown, logger: SpecLogger): void;
  export function normalizeJambones(logger: SpecLogger, verbs: unknown): Array<Record<string, Record<string, unknown>>>;
  export const specs: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
}
