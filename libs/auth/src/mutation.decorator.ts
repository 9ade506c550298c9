import { applyDecorators, HttpCode, SetMetadata, Type } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiParamOptions, ApiResponse } from '@nestjs/swagger';
import { ApiProblems, ErrorCode, LocationOf } from '@rcp/http';
import { auditAction, CommandClass, requireCommandAudit } from '@rcp/persistence';
import { Audited, Authorize, SkipTenantGate } from './decorators';
import { RoleName } from './roles';

/** Metadata key of the command class a `@Mutation` route sends. */
export const MUTATION_COMMAND_KEY = 'rcp:mutation-command';

/** How every optimistic-concurrency endpoint documents `If-Match` (`IfMatchVersion` reads it). */
export const IF_MATCH_HEADER = { name: 'If-Match', required: false, description: 'Expected version as an ETag, e.g. "3"; a stale one is 412 version_conflict' };

export interface MutationSpec<C = unknown> {
  /** Who may call it (`Authorize`); `environmentParam` binds an agent token to the route's environment. */
  roles: RoleName[];
  environmentParam?: string;
  /** The capability an agent token needs for this route (`Authorize`). */
  capability?: string;
  /**
   * The command the route sends: its `@AuditedCommand` declaration names the action and target under
   * which a refused call is recorded (the handler's unit of work records the allowed one from the same
   * declaration). The target id of a refusal is the route's `param`.
   */
  command: CommandClass<C>;
  /** The command's fields the route fixes, for the placeholders of its audit action (`tenant.{action}`). */
  commandFields?: Partial<C>;
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
 * @Mutation({ roles: TENANT_WRITERS, command: RetryEnvironmentCommand, param: ID_PARAM, status: 202, ... })
 * @ApiOperation({ summary: 'Retry a failed environment', description: '…' })
 * ```
 */
export function Mutation<C>(spec: MutationSpec<C>) {
  const audit = requireCommandAudit(spec.command);
  return applyDecorators(
    HttpCode(spec.status),
    SetMetadata(MUTATION_COMMAND_KEY, spec.command),
    Authorize(spec.roles, { environmentParam: spec.environmentParam, capability: spec.capability }),
    ...(spec.skipTenantGate ? [SkipTenantGate()] : []),
    Audited(auditAction(audit.action, spec.commandFields ?? {}), audit.targetType, spec.param?.name),
    ...(spec.param ? [ApiParam(spec.param)] : []),
    ...(spec.ifMatch ? [ApiHeader(IF_MATCH_HEADER)] : []),
    ApiResponse({ status: spec.status, type: spec.response.type, description: spec.response.description }),
    ApiProblems(...spec.problems),
    ...(spec.location ? [LocationOf(spec.location)] : []),
  );
}
