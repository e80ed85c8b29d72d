/**
 * The logger core code writes to: the subset of pino's interface it uses, so core does not depend on
 * pino itself and tests can pass a recorder.
 */
export interface GatewayLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
  /** `options` follows pino's child options (e.g. its own `redact`); loggers that have none ignore it. */
  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): GatewayLogger;
}

export const silentLogger: GatewayLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
