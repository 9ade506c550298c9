import { HttpException } from '@nestjs/common';
import { ERROR_CATALOGUE, ErrorCode, PROBLEM_TYPE_BASE } from './error-catalogue';

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details as the API serves them (`application/problem+json`). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  traceId: string;
  correlationId?: string;
  errors?: FieldError[];
  reasons?: string[];
  [extra: string]: unknown;
}

/** An error raised by the HTTP layer with a catalogue code; rendered by the problem filter. */
export class ProblemException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extras: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, ERROR_CATALOGUE[code].status);
  }
}

export function problemOf(code: ErrorCode, detail: string, instance: string, traceId: string, extras: Record<string, unknown> = {}): ProblemDocument {
  const entry = ERROR_CATALOGUE[code];
  return {
    type: `${PROBLEM_TYPE_BASE}${code.replace(/_/g, '-')}`,
    title: entry.title,
    status: entry.status,
    detail,
    instance,
    code,
    traceId,
    ...extras,
  };
}
