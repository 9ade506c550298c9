import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ProblemException } from './problem';

/**
 * The version a client expects from `If-Match: "<version>"` (weak tags accepted), or undefined when
 * the header is absent. A malformed header is a validation error, never silently ignored.
 */
export function parseIfMatch(header: unknown): number | undefined {
  if (header === undefined || header === null || header === '') return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,10})"\s*$/.exec(String(header));
  if (!m) throw new ProblemException('validation_failed', 'If-Match must be an ETag such as "3"', { errors: [{ field: 'If-Match', message: 'is not an ETag' }] });
  return Number(m[1]);
}

/** Parameter decorator: the `If-Match` version, if sent. */
export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined =>
  parseIfMatch(ctx.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['if-match']),
);

export const etagOf = (version: number) => `"${version}"`;
