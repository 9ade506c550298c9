import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsRFC3339, IsString, Matches, MaxLength } from 'class-validator';
import { Authorize, CurrentActor, PLATFORM_ROLES, RoleName } from '@rcp/auth';
import { ApiProblems, Keyset, Page, PageQuery } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { TransactionManager, readScopeConditions } from '@rcp/persistence';

const RESULTS = ['allowed', 'denied', 'failed'] as const;
const ACTOR_KINDS = ['user', 'agent', 'system', 'anonymous'] as const;
const AUDIT_READERS: RoleName[] = ['platform:admin', 'platform:viewer', 'tenant:admin'];

/** One audited call: who did what to which target, and whether it was allowed. */
export class AuditEntryResponse {
  @ApiProperty({ description: 'Position in the audit log; larger is later', example: '1042' }) id: string;
  @ApiProperty({ format: 'date-time', example: '2025-11-24T16:54:06.859Z' }) occurredAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'The tenant the action concerned; null for platform-wide actions and anonymous refusals', example: 'acme' })
  tenantId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The project the action concerned; null for tenant-level and platform actions, and for refusals before the project was known',
    example: 'web',
  })
  projectId: string | null;
  @ApiProperty({ description: 'The token subject, or `anonymous` when no valid token was sent', example: 'ops@example.com' }) actor: string;
  @ApiProperty({ enum: ACTOR_KINDS, example: 'user' }) actorKind: string;
  @ApiProperty({ type: [String], example: ['platform:admin'] }) roles: string[];
  @ApiProperty({ description: 'The audited action, or `METHOD /route` for calls refused before an action was known', example: 'tenant.suspend' }) action: string;
  @ApiProperty({ example: 'tenant' }) targetType: string;
  @ApiProperty({ nullable: true, type: String, example: 'acme' }) targetId: string | null;
  @ApiProperty({ enum: RESULTS, example: 'allowed' }) result: string;
  @ApiProperty({ nullable: true, type: 'integer', description: 'HTTP status of a refused or failed call', example: null }) status: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Problem code of a refused or failed call', example: null }) code: string | null;
  @ApiProperty({ nullable: true, type: String, example: '7d7a6c0e-52a4-4a53-a0d5-3f3b1c3d1f09' }) correlationId: string | null;
  @ApiProperty({ nullable: true, type: String, example: '4bf92f3577b34da6a3ce929d0e0e4736' }) traceId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Client address. Tenant admins see it for their own tenant\'s principals only, not for platform operators.',
    example: '203.0.113.7',
  })
  ip: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { reason: 'unpaid invoice' } }) details: Record<string, unknown>;
}

/** One page of the audit log, newest first; `nextCursor` continues with older entries. */
export class AuditEntryPage {
  @ApiProperty({ type: [AuditEntryResponse] }) items: AuditEntryResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next (older) page; null on the last page', example: 'eyJpZCI6MTAyM30' })
  nextCursor: string | null;
}

/** Filters of `GET /v1/audit-log`; every one is optional and they combine with AND. */
export class ListAuditLogQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only entries of this actor (token subject)', example: 'ops@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  @ApiPropertyOptional({ description: 'An action, or a prefix ending in `.*`', example: 'tenant.*' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:/{} -]{1,200}(?:\.\*)?$/, { message: 'action must be an action name or a prefix ending in .*' })
  action?: string;

  @ApiPropertyOptional({ enum: RESULTS })
  @IsOptional()
  @IsIn(RESULTS)
  result?: (typeof RESULTS)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time (RFC 3339)', example: '2025-11-24T00:00:00Z' })
  @IsOptional()
  @IsRFC3339()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this time (RFC 3339)', example: '2025-11-25T00:00:00Z' })
  @IsOptional()
  @IsRFC3339()
  to?: string;
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  tenant_id: string | null;
  project_id: string | null;
  actor: string;
  actor_kind: string;
  roles: string[];
  action: string;
  target_type: string;
  target_id: string | null;
  result: string;
  status: number | null;
  code: string | null;
  correlation_id: string | null;
  trace_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

const toEntry = (r: AuditRow): AuditEntryResponse => ({
  id: String(r.id),
  occurredAt: r.occurred_at.toISOString(),
  tenantId: r.tenant_id,
  projectId: r.project_id,
  actor: r.actor,
  actorKind: r.actor_kind,
  roles: r.roles,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  result: r.result,
  status: r.status,
  code: r.code,
  correlationId: r.correlation_id,
  traceId: r.trace_id,
  ip: r.ip,
  details: r.details,
});

/** Newest first by id. */
const AUDIT_KEYSET = new Keyset({ id: 'position' });

/**
 * The audit log over HTTP: every allowed, denied and failed mutation and every refused token, newest
 * first. A tenant admin reads its own tenant's entries (named in the query, with row-level security
 * behind it), and with `project_ids` only the entries of those projects; platform roles read all of
 * them. The log itself is append-only. The client address of a platform operator's action is not
 * shown to tenants.
 */
@ApiTags('Operations')
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(private readonly tx: TransactionManager) {}

  @Get()
  @Authorize(AUDIT_READERS)
  @ApiOperation({
    summary: 'List audit log entries',
    description:
      'Newest first, with keyset pagination (`limit`, `cursor`). Filter by actor, action (exact or a prefix such as `tenant.*`), ' +
      'result and time range (`from` inclusive, `to` exclusive, RFC 3339). A tenant admin sees its own tenant\'s entries only; with ' +
      '`project_ids`, only the entries of those projects (not tenant-level ones).',
  })
  @ApiOkResponse({ type: AuditEntryPage, description: 'One page of audit entries, newest first' })
  @ApiProblems('validation_failed', 'forbidden', 'tenant_offboarded')
  async list(@Query() q: ListAuditLogQuery, @CurrentActor() caller: Actor): Promise<Page<AuditEntryResponse>> {
    const { limit, after } = AUDIT_KEYSET.read(q);
    const prefix = q.action?.endsWith('.*') ? q.action.slice(0, -1) : null;
    const params: unknown[] = [caller.tenantId === null, PLATFORM_ROLES];
    const where = readScopeConditions(caller, { tenant: 'tenant_id', project: 'project_id' }, params);
    if (q.actor) where.push(`actor = $${params.push(q.actor)}`);
    if (prefix) where.push(`starts_with(action, $${params.push(prefix)})`);
    else if (q.action) where.push(`action = $${params.push(q.action)}`);
    if (q.result) where.push(`result = $${params.push(q.result)}`);
    if (q.from) where.push(`occurred_at >= $${params.push(q.from)}::timestamptz`);
    if (q.to) where.push(`occurred_at < $${params.push(q.to)}::timestamptz`);
    if (after) where.push(`id < $${params.push(after.id)}::bigint`);
    const rows: AuditRow[] = await this.tx.read((m) =>
      m.query(
        `SELECT id, occurred_at, tenant_id, project_id, actor, actor_kind, roles, action, target_type, target_id, result, status, code,
                correlation_id, trace_id, details,
                CASE WHEN $1::boolean OR NOT (roles && $2::text[]) THEN ip END AS ip
         FROM platform.audit_log
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC
         LIMIT $${params.push(limit + 1)}`,
        params,
      ),
    );
    return AUDIT_KEYSET.page(rows, limit, toEntry, (r) => ({ id: Number(r.id) }));
  }
}
