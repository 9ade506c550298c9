import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiParamOptions, ApiResponse } from '@nestjs/swagger';
import { ApiProblems, ErrorCode, LocationOf } from '@rcp/http';
import { Audited, Authorize, SkipTenantGate } from './decorators';
import { RoleName } from './roles';

/** How every optimistic-concurrency endpoint documents `If-Match` (`IfMatchVersion` reads it). */
export const IF_MATCH_HEADER = { name: 'If-Match', required: false, description: 'Expected version as an ETag, e.g. "3"; a stale one is 412 version_conflict' };

export interface MutationSpec {
  /** Who may call it (`Authorize`); `environmentParam` binds an agent token to the route's environment. */
  roles: RoleName[];
  environmentParam?: string;
  /** The audited action and target (`Audited`): allowed, denied and failed calls are all recorded under it. */
  audit: { action: string; target: string; param?: string };
  /** The success status and what its body is. */
  status: 200 | 201 | 202;
  response: { type: Type<unknown>; description: string };
  /** The route's path parameter, documented. */
  param?: ApiParamOptions;
  /** Takes `If-Match: "<version>"` (read with `@IfMatchVersion()`). */
  ifMatch?: boolean;
  /** `Location` of the result, `:field`s from the response body, e.g. `/v1/environments/:id`. */
  location?: string;
  /** The problems it can answer besides `unauthenticated` and `rate_limited`. */
  problems: ErrorCode[];
  /** Usable by a suspended or offboarded tenant's platform operators (tenancy's own lifecycle). */
  skipTenantGate?: boolean;
}

/**
 * Everything a mutating endpoint declares besides its route and its words, in one place: roles, audit,
 * status, `If-Match`, `Location` and the documented problems. `Idempotency-Key` is documented for every
 * mutation by `documentApiConventions`.
 *
 * ```ts
 * @Post(':id/retry')
 * @Mutation({ roles: TENANT_WRITERS, audit: { action: 'environment.retry', target: 'environment', param: 'id' }, status: 202, ... })
 * @ApiOperation({ summary: 'Retry a failed environment', description: '…' })
 * ```
 */
export function Mutation(spec: MutationSpec) {
  return applyDecorators(
    HttpCode(spec.status),
    Authorize(spec.roles, { environmentParam: spec.environmentParam }),
    ...(spec.skipTenantGate ? [SkipTenantGate()] : []),
    Audited(spec.audit.action, spec.audit.target, spec.audit.param),
    ...(spec.param ? [ApiParam(spec.param)] : []),
    ...(spec.ifMatch ? [ApiHeader(IF_MATCH_HEADER)] : []),
    ApiResponse({ status: spec.status, type: spec.response.type, description: spec.response.description }),
    ApiProblems(...spec.problems),
    ...(spec.location ? [LocationOf(spec.location)] : []),
  );
}
