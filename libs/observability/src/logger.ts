import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { RequestContexts } from './request-context';
import { PINO_REDACT_PATHS } from './redaction';

/**
 * Fields of an error that carry data rather than describe the failure: a TypeORM `QueryFailedError` holds
 * the bound `parameters` and the driver's error, whose `detail`/`where` quote row values (PostgreSQL
 * copies them onto the error too). A log line keeps the message, the code, the SQL text (placeholders
 * only) and the stack.
 */
const DATA_BEARING_ERROR_FIELDS = ['parameters', 'driverError', 'detail', 'where', 'internalQuery', 'internalPosition'];

function strip(serialized: unknown, depth = 0): void {
  if (!serialized || typeof serialized !== 'object' || depth > 5) return;
  const e = serialized as Record<string, unknown>;
  for (const field of DATA_BEARING_ERROR_FIELDS) delete e[field];
  strip(e.cause, depth + 1);
  if (Array.isArray(e.aggregateErrors)) for (const inner of e.aggregateErrors) strip(inner, depth + 1);
}

/** pino's error serializer without the fields that carry request data, in the error and in its causes. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err);
  strip(out);
  return out;
}

/**
 * The structured JSON logger. Every line carries the correlation id, trace id and actor of the work it
 * belongs to (from the request context), secret-looking fields are redacted, and errors never carry SQL
 * parameters ({@link serializeError}). Lines go to stdout, or to `destination` when given (tests read the
 * lines the server writes).
 */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'rcp' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: PINO_REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError, error: serializeError },
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
  };
  return destination ? pino(options, destination) : pino(options);
}
