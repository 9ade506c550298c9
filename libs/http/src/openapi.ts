import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';
import { isRateLimitExempt } from './rate-limit.guard';

export class FieldErrorDto {
  @ApiProperty({ example: 'quotas.maxEnvironments' }) field: string;
  @ApiProperty({ example: 'must be at least 1', description: 'What the value must be, or `is required`, or `is not a known field`; never repeats the field' }) message: string;
}

/** Schema of every error response (RFC 9457 problem details). */
export class ProblemDto {
  @ApiProperty({ example: 'https://rcp.dev/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'The request is not valid' }) title: string;
  @ApiProperty({ type: 'integer', example: 400 }) status: number;
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
  415: 'unsupported_media_type: the body is not application/json',
  422: 'idempotency_key_reused or secret_value_forbidden',
  429: 'rate_limited: retry after the Retry-After header',
  500: 'internal: an unexpected error (the trace id names it in the logs)',
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
  responses?: Record<string, unknown>;
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/** Adds the problem responses an operation can answer when its controller did not list them, keeping responses in status order. */
function documentProblems(op: OpenApiOperation, ...statuses: number[]): void {
  const responses = { ...op.responses };
  for (const status of statuses) responses[status] ??= { description: DESCRIPTIONS[status], content: PROBLEM_CONTENT };
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Documents, once for every operation, the conventions the HTTP layer applies to all of them: any
 * operation can fail with `500`, and one the per-IP rate limit counts with `429`; each POST, PUT, PATCH
 * and DELETE accepts `Idempotency-Key` (added where a controller did not declare it), and so can answer
 * `400` for a malformed key, `409` while its first use runs and `422` for a key reused with another
 * request, and its body can be too large (`413`) or not JSON (`415`); every operation taking `If-Match`
 * can answer `400`.
 */
export function documentApiConventions<D extends { paths: Record<string, unknown> }>(document: D): D {
  for (const [path, item] of Object.entries(document.paths) as Array<[string, Partial<Record<string, OpenApiOperation>>]>) {
    for (const op of Object.values(item)) {
      if (!op) continue;
      documentProblems(op, ...(isRateLimitExempt(path) ? [500] : [429, 500]));
      if (op.parameters?.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'if-match')) documentProblems(op, 400);
    }
    for (const method of MUTATIONS) {
      const op = item[method];
      if (!op) continue;
      documentProblems(op, 400, 409, 413, 415, 422);
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
  allowNullWhereNullable(document);
  return document;
}

/** The one value `null`, as OpenAPI 3.0.3 spells it (nullable applies only next to an explicit type). */
const NULL_ONLY = { type: 'object', nullable: true, enum: [null] };

/**
 * OpenAPI 3.0.3: `nullable: true` adds null to the schema's own `type` only; a schema it composes
 * (`allOf`/`oneOf`/`anyOf`) still refuses null. @nestjs/swagger documents `@ApiProperty({ type: Dto,
 * nullable: true })` as `{ nullable: true, type: 'object', allOf: [{ $ref }] }`, which a strict validator
 * (Prism) then refuses for `null`: such a property becomes `oneOf: [{ $ref }, null-only]`, and a nullable
 * `oneOf`/`anyOf` gets the null-only member added, so null is allowed exactly as the property says.
 */
function allowNullWhereNullable(document: object): void {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const s = node as Record<string, unknown>;
    for (const value of Object.values(s)) visit(value);
    if (s.nullable !== true) return;
    if (Array.isArray(s.allOf) && s.allOf.length === 1 && s.type === 'object') {
      s.oneOf = [s.allOf[0], { ...NULL_ONLY, enum: [null] }];
      delete s.allOf;
      delete s.type;
      return;
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const members = s[key];
      if (Array.isArray(members) && !members.some((m) => (m as Record<string, unknown>)?.enum !== undefined && JSON.stringify((m as Record<string, unknown>).enum) === '[null]')) {
        members.push({ ...NULL_ONLY, enum: [null] });
      }
    }
  };
  visit((document as { components?: { schemas?: unknown } }).components?.schemas);
}

/**
 * Names of fields and parameters that count or number things (ids, versions, attempts, replicas, limits,
 * quotas, HTTP statuses, positions): these are integers in the document, never `number`.
 */
const COUNT_LIKE = /^(?:id|version|round|attempts?|limit|used|status|position|offset|replicas|readyReplicas|step|steps|weight)$|(?:Count|Total|Attempts|Replicas|Services|Environments|Version|Position|Id)$|^(?:max|min)[A-Z](?!.*(?:Rate|Ratio)$)|^total[A-Z]/;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface DriftOptions {
  /** Paths the document must contain (e.g. the operational endpoints). */
  requiredPaths?: string[];
}

/**
 * What makes an OpenAPI document drift from the product, as one message per finding (empty when none):
 * a required path missing, a response without a description, a count-like field or parameter typed
 * `number` instead of `integer`, and a mutation or an operation taking a body, a query or an `If-Match`
 * header without its `400` (every mutation accepts `Idempotency-Key`, which can be malformed).
 * Used by `npm run lint:openapi` and by the e2e test of `/docs-json`, so the document cannot drift back.
 */
export function findOpenApiDrift(document: { paths: Record<string, unknown>; components?: { schemas?: Record<string, unknown> } }, opts: DriftOptions = {}): string[] {
  const findings: string[] = [];
  for (const path of opts.requiredPaths ?? []) if (!document.paths[path]) findings.push(`${path} is missing`);

  const checkSchema = (schema: unknown, where: string): void => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as Record<string, unknown>;
    for (const [name, prop] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (prop?.type === 'number' && COUNT_LIKE.test(name)) findings.push(`${where}.${name} counts something: type it integer, not number`);
      checkSchema(prop, `${where}.${name}`);
    }
    for (const key of ['items', 'additionalProperties', 'not']) checkSchema(s[key], `${where}[]`);
    for (const key of ['allOf', 'oneOf', 'anyOf']) for (const sub of (s[key] as unknown[] | undefined) ?? []) checkSchema(sub, where);
  };

  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) checkSchema(schema, name);
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const params = (op.parameters ?? []) as Array<{ name: string; in: string; schema?: Record<string, unknown> }>;
      for (const p of params) {
        if (p.schema?.type === 'number' && COUNT_LIKE.test(p.name)) findings.push(`${where} parameter ${p.name} counts something: type it integer, not number`);
      }
      const responses = (op.responses ?? {}) as Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
      for (const [status, response] of Object.entries(responses)) {
        if (!response.description?.trim()) findings.push(`${where} response ${status} has no description`);
        for (const [type, media] of Object.entries(response.content ?? {})) checkSchema(media.schema, `${where} ${status} ${type}`);
      }
      const mutation = ['post', 'put', 'patch', 'delete'].includes(method);
      const takesInput = op.requestBody !== undefined || params.some((p) => p.in === 'query' || (p.in === 'header' && p.name.toLowerCase() === 'if-match'));
      if ((mutation || takesInput) && !responses['400']) findings.push(`${where} can answer 400 validation_failed but does not document it`);
    }
  }
  return findings;
}
