import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';

export class FieldErrorDto {
  @ApiProperty({ example: 'quotas.maxEnvironments' }) field: string;
  @ApiProperty({ example: 'must be at least 1', description: 'What the value must be, or `is required`, or `is not a known field`; never repeats the field' }) message: string;
}

/** Schema of every error response (RFC 9457 problem details). */
export class ProblemDto {
  @ApiProperty({ example: 'https://rcp.dev/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'The request is not valid' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'quotas.maxEnvironments must be at least 1' }) detail: string;
  @ApiProperty({ example: '/v1/tenants' }) instance: string;
  @ApiProperty({ enum: Object.keys(ERROR_CATALOGUE), example: 'validation_failed' }) code: string;
  @ApiProperty({ example: '4bf92f3577b34da6a3ce929d0e0e4736' }) traceId: string;
  @ApiPropertyOptional({ example: '7d7a6c0e-52a4-4a53-a0d5-3f3b1c3d1f09' }) correlationId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
  @ApiPropertyOptional({ type: [String], example: ['environment env-1 is not ready'] }) reasons?: string[];
}

const DESCRIPTIONS: Partial<Record<number, string>> = {
  400: 'validation_failed: the body, query or headers are not valid',
  401: 'unauthenticated: missing, expired or forged bearer token',
  403: 'forbidden, tenant_suspended or tenant_offboarded',
  404: 'not_found (also for another tenant\'s resource)',
  409: 'invalid_state_transition, concurrent_modification, idempotency_in_progress, quota_exceeded or precondition_failed',
  412: 'version_conflict: If-Match does not match the current version',
  413: 'payload_too_large: the body is over 1 MiB',
  422: 'idempotency_key_reused or secret_value_forbidden',
  429: 'rate_limited: retry after the Retry-After header',
};

/** Documents the problem responses an endpoint can produce. */
export function ApiProblems(...codes: ErrorCode[]) {
  const statuses = [...new Set(['unauthenticated', 'rate_limited', ...codes].map((c) => ERROR_CATALOGUE[c as ErrorCode].status))].sort();
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? ERROR_CATALOGUE[codes.find((c) => ERROR_CATALOGUE[c].status === status)!]?.title,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      }),
    ),
  );
}

const MUTATIONS = ['post', 'put', 'patch', 'delete'] as const;

interface OpenApiParameter {
  name?: string;
  in?: string;
  [field: string]: unknown;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
}

/**
 * Documents, once for every operation, the conventions the HTTP layer applies to all of them: each
 * POST, PUT, PATCH and DELETE accepts `Idempotency-Key` (added where a controller did not declare it).
 */
export function documentApiConventions<D extends { paths: Record<string, unknown> }>(document: D): D {
  for (const item of Object.values(document.paths) as Array<Partial<Record<(typeof MUTATIONS)[number], OpenApiOperation>>>) {
    for (const method of MUTATIONS) {
      const op = item[method];
      if (!op) continue;
      op.parameters ??= [];
      if (op.parameters.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key')) continue;
      op.parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: the same key with the same request within 24 h (IDEMPOTENCY_TTL_HOURS) replays the first status and body with ' +
          '`Idempotency-Replayed: true`; with another request it is 422 idempotency_key_reused; while the first still runs, ' +
          '409 idempotency_in_progress. Scoped to your tenant and token subject.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
  }
  return document;
}
