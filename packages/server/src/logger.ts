import { pino, type Logger } from 'pino';

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
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}
