import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Audited, Authorize, CurrentActor, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, Keyset, Page, PageOf, PageQuery, ProblemException, cursorTimestampSql, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { TransactionManager, UnitOfWork, readScopeConditions, rowsOf } from '@rcp/persistence';
import { JobsService } from './jobs.service';

const STATES = ['queued', 'running', 'completed', 'failed', 'retrying', 'dead_letter'] as const;

export class JobResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'inventory.provision-environment' }) name: string;
  @ApiProperty({ enum: STATES }) state: string;
  @ApiProperty({ type: 'integer', example: 1 }) attempts: number;
  @ApiProperty({ type: 'integer', example: 5 }) maxAttempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'environment' }) targetType: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) targetId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) tenantId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'web', description: 'The project the job works for; null for tenant-level and platform work' })
  projectId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid', description: 'The job this one is an internal step of (steps are listed to platform tokens only)' })
  parentId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', description: 'Earliest time of the next attempt' }) runAt: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) finishedAt: string | null;
}

export class JobPage extends PageOf(JobResponse) {}

export class ListJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATES })
  @IsOptional()
  @IsIn(STATES)
  state?: (typeof STATES)[number];
}

interface JobRow {
  id: string;
  name: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  target_type: string | null;
  target_id: string | null;
  tenant_id: string | null;
  project_id: string | null;
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
  run_at: Date;
  finished_at: Date | null;
}

const toJob = (r: JobRow): JobResponse => ({
  id: r.id,
  name: r.name,
  state: r.state,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  lastError: r.last_error,
  targetType: r.target_type,
  targetId: r.target_id,
  tenantId: r.tenant_id,
  projectId: r.project_id,
  parentId: r.parent_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  runAt: r.run_at.toISOString(),
  finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
});

const COLUMNS = 'id, name, state, attempts, max_attempts, last_error, target_type, target_id, tenant_id, project_id, parent_id, created_at, updated_at, run_at, finished_at';

/** Newest first by creation time (to the microsecond) and id. */
const JOBS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });
const JOB_SCOPE = { tenant: 'tenant_id', project: 'project_id' };

/**
 * The statement of one page of `GET /v1/jobs`. Each combination of scope and state filter has an index
 * ending in `(created_at, id)` (migration JobsListIndexes), read backwards from the cursor, so a page
 * costs the same however many jobs the ledger holds.
 */
export function listJobsQuery(
  actor: Actor,
  filter: { state?: string; after?: { t: string; id: string }; limit: number; withSteps?: boolean },
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where = readScopeConditions(actor, JOB_SCOPE, params);
  if (filter.state) where.push(`state = $${params.push(filter.state)}`);
  if (!filter.withSteps) where.push('parent_id IS NULL');
  if (filter.after) where.push(`(created_at, id) < ($${params.push(filter.after.t)}::timestamptz, $${params.push(filter.after.id)}::uuid)`);
  const sql = `SELECT ${COLUMNS}, ${cursorTimestampSql('created_at')} AS cursor_t FROM platform.jobs
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, id DESC LIMIT $${params.push(filter.limit + 1)}`;
  return { sql, params };
}

/**
 * The job ledger over HTTP: a tenant token sees its own tenant's jobs (named in the query, with
 * row-level security behind it), a token with `project_ids` only the jobs of those projects, platform
 * tokens all.
 */
@ApiTags('Operations')
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly jobs: JobsService,
  ) {}

  @Get()
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'List background jobs',
    description:
      'Newest first; filter by state. A token with `project_ids` sees only the jobs of those projects (not tenant-level jobs). A tenant sees the jobs it was given (the `jobId` of a 202), each of which follows its work to the end; ' +
      'their internal steps (`parentId` set) are listed to platform tokens only.',
  })
  @ApiOkResponse({ type: JobPage, description: 'One page of jobs' })
  @ApiProblems('validation_failed', 'forbidden')
  async list(@Query() q: ListJobsQuery, @CurrentActor() actor: Actor): Promise<Page<JobResponse>> {
    const withSteps = !actor.tenantId;
    const { limit, after } = JOBS_KEYSET.read(q);
    const { sql, params } = listJobsQuery(actor, { state: q.state, after, limit, withSteps });
    const rows: Array<JobRow & { cursor_t: string }> = await this.tx.read((m) => m.query(sql, params));
    return JOBS_KEYSET.page(rows, limit, toJob, (r) => ({ t: r.cursor_t, id: r.id }));
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'Get one job',
    description: 'State, attempts and last error of a background job. Another tenant\'s job, and for a token with `project_ids` a job of another project or of none, is not found.',
  })
  @ApiOkResponse({ type: JobResponse, description: 'The job' })
  @ApiProblems('not_found', 'forbidden')
  async get(
    @Param('id', UuidParam) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<JobResponse> {
    const params: unknown[] = [id];
    const where = ['id = $1', ...readScopeConditions(actor, JOB_SCOPE, params)];
    const rows: JobRow[] = await this.tx.read((m) => m.query(`SELECT ${COLUMNS} FROM platform.jobs WHERE ${where.join(' AND ')}`, params));
    if (!rows[0]) throw new ProblemException('not_found', `Job ${id} was not found`);
    return toJob(rows[0]);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Authorize(['platform:admin'])
  @Audited('job.retry', 'job')
  @ApiOperation({
    summary: 'Run a failed or dead-lettered job again',
    description: 'Resets its attempts and queues it now. The job\'s effect still happens at most once: it commits together with its completion.',
  })
  @ApiAcceptedResponse({ type: JobResponse, description: 'The job, queued again' })
  @ApiProblems('not_found', 'invalid_state_transition', 'forbidden')
  async retry(@Param('id', UuidParam) id: string): Promise<JobResponse> {
    return this.uow.execute({ action: 'job.retry', targetType: 'job', targetId: id }, async () => {
      const m = this.tx.manager();
      const found: JobRow[] = await m.query(`SELECT ${COLUMNS} FROM platform.jobs WHERE id = $1 FOR UPDATE`, [id]);
      if (!found[0]) throw new ProblemException('not_found', `Job ${id} was not found`);
      if (found[0].state !== 'failed' && found[0].state !== 'dead_letter') {
        throw new ProblemException('invalid_state_transition', `Job ${id} is ${found[0].state}; only failed or dead_letter jobs can be retried`);
      }
      const [row] = rowsOf<JobRow>(
        await m.query(
          `UPDATE platform.jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL, lease_until = NULL, updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [id],
        ),
      );
      this.tx.afterCommit(() => void this.jobs.hint(id, 0));
      return toJob(row);
    });
  }
}
