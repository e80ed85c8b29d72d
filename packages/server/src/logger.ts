import type { GatewayLogger } from '@graine/core';
import { destination, pino, type Logger } from 'pino';

/**
 * Paths that may hold secrets or personal data. pino removes them before a line is written, at the
 * top of a logged object and up to two levels down (protocol §7.13: env_vars are decrypted secrets, sip.raw holds SDP).
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.*.authorization',
  'headers["jambonz-signature"]',
  '*.headers["jambonz-signature"]',
  'password',
  '*.password',
  '*.*.password',
  'env_vars',
  '*.env_vars',
  '*.*.env_vars',
  'sip',
  '*.sip',
  '*.*.sip',
  'sdp',
  '*.sdp',
  '*.*.sdp',
  'signature',
  '*.signature',
  '*.*.signature',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'graine-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: isoTimeCachedPerMillisecond,
    },
    // Asynchronous, batched writes: lines collect until 8 KiB are waiting (a busy gateway makes one write
    // per ~20 hooks instead of one per few), and a quiet gateway's lines go out within 250 ms. pino
    // flushes what is left when the process exits.
    options.destination ?? destination({ dest: 1, sync: false, minLength: 8192, periodicFlush: 250 }),
  );
}

let lastMillisecond = -1;
let lastTimestamp = '';

/** pino's isoTime, built once per millisecond: `toISOString` per line was ~4 µs of every hook. */
function isoTimeCachedPerMillisecond(): string {
  const now = Date.now();
  if (now !== lastMillisecond) {
    lastMillisecond = now;
    lastTimestamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTimestamp;
}

/**
 * The logger for the one line per hook. That line is built field by field from values that are never
 * secret (HookReporter), so it skips the redaction walk that every other line gets: on the hot path
 * that walk cost more than writing the line.
 */
export function hookLineLogger(logger: GatewayLogger): GatewayLogger {
  return logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
}
