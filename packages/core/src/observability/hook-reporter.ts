import type { GatewayLogger } from '../logging.js';
import type { HookAnswer } from '../pipeline/hook-answer.js';
import type { GatewayMetrics, HookKind, HookMetricOutcome } from './gateway-metrics.js';

export interface HookLogOptions {
  /** Replace all but the last four characters of `from` and `to` in log lines. */
  maskPhoneNumbers?: boolean;
}

/** Rejections that are about who is calling: they also count as authentication failures. */
const AUTH_REJECTIONS = new Set(['unauthenticated', 'unknown_account', 'forbidden', 'invalid_signature']);

/**
 * Reports a finished hook once, to both the log (one JSON line) and the metrics, from the same answer, so
 * the two always agree on outcome, reason and target.
 */
export class HookReporter {
  constructor(
    private readonly logger: GatewayLogger,
    private readonly metrics: GatewayMetrics,
    private readonly options: HookLogOptions = {},
  ) {}

  finished(kind: HookKind, answer: HookAnswer, requestId: string, durationMs: number): void {
    const outcome = answer.outcome as HookMetricOutcome;
    this.metrics.hookFinished(kind, outcome, answer.reason, answer.target, durationMs / 1000, answer.accountSid);
    if (outcome === 'rejected' && answer.reason !== undefined && AUTH_REJECTIONS.has(answer.reason)) {
      this.metrics.authFailure(answer.authFailure ?? answer.reason);
    }
    const fields = {
      hook: kind,
      request_id: requestId,
      call_sid: answer.callSid,
      account_sid: answer.accountSid,
      application_sid: answer.applicationSid,
      target: answer.target,
      outcome,
      reason: answer.reason,
      detail: answer.detail,
      status: answer.status,
      from: this.phoneNumber(answer.from),
      to: this.phoneNumber(answer.to),
      duration_ms: Math.round(durationMs * 10) / 10,
    };
    if (outcome === 'fallback') this.logger.warn(fields, 'hook answered with fallback verbs');
    else this.logger.info(fields, 'hook answered');
  }

  /** A call hook that failed unexpectedly inside the gateway was answered with the default fallback. */
  gatewayError(kind: HookKind, durationMs: number): void {
    this.metrics.hookFinished(kind, 'fallback', 'gateway_error', undefined, durationMs / 1000);
  }

  private phoneNumber(value: string | undefined): string | undefined {
    return value !== undefined && this.options.maskPhoneNumbers ? maskPhoneNumber(value) : value;
  }
}

/** Keeps the last four characters, enough to tell calls apart in a support ticket. */
export function maskPhoneNumber(value: string): string {
  return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 4) + value.slice(-4);
}
