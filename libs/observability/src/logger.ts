import pino, { Logger } from 'pino';
import { RequestContexts } from './request-context';
import { PINO_REDACT_PATHS } from './redaction';

/**
 * The structured JSON logger. Every line carries the correlation id, trace id and actor of the work it
 * belongs to (from the request context), and secret-looking fields are redacted.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rcp' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: PINO_REDACT_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = RequestContexts.current();
      if (!ctx) return {};
      return {
        correlationId: ctx.correlationId,
        traceId: ctx.traceparent.split('-')[1],
        actor: ctx.actor?.sub,
        tenantId: ctx.actor?.tenantId ?? undefined,
      };
    },
  });
}
