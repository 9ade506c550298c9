import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Audited, Authorize, CurrentActor, TENANT_READERS } from '@rcp/auth';
import { Actor } from '@rcp/observability';
import { ApiProblems, Cursors, Page, PageQuery, ProblemException, pageOf } from '@rcp/http';
import { TransactionManager, UnitOfWork, rowsOf } from '@rcp/persistence';
import { JobsService } from './jobs.service';

const STATES = ['queued', 'running', 'completed', 'failed', 'retrying', 'dead_letter'] as const;

export class JobResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'inventory.provision-environment' }) name: string;
  @ApiProperty({ enum: STATES }) state: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: 5 }) maxAttempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'environment' }) targetType: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) targetId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) tenantId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid', description: 'The job this one is an internal step of (steps are listed to platform tokens only)' })
  parentId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', description: 'Earliest time of the next attempt' }) runAt: string;
  @ApiPropertyOptional({ nullable: true, format: 'date-time', type: String }) finishedAt: string | null;
}

export class JobPage {
  @ApiProperty({ type: [JobResponse] }) items: JobResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

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
  parentId: r.parent_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  runAt: r.run_at.toISOString(),
  finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
});

const COLUMNS = 'id, name, state, attempts, max_attempts, last_error, target_type, target_id, tenant_id, parent_id, created_at, updated_at, run_at, finished_at';

/** The job ledger over HTTP: a tenant sees its own jobs (row-level security), platform tokens all. */
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
      'Newest first; filter by state. A tenant sees the jobs it was given (the `jobId` of a 202), each of which follows its work to the end; ' +
      'their internal steps (`parentId` set) are listed to platform tokens only.',
  })
  @ApiOkResponse({ type: JobPage })
  @ApiProblems('validation_failed', 'forbidden')
  async list(@Query() q: ListJobsQuery, @CurrentActor() actor: Actor): Promise<Page<JobResponse>> {
    const withSteps = !actor.tenantId;
    const limit = q.limit ?? 50;
    const after = Cursors.decode<{ t: string; id: string }>(q.cursor, ['t', 'id']);
    const rows: JobRow[] = await this.tx.read((m) =>
      m.query(
        `SELECT ${COLUMNS} FROM platform.jobs
         WHERE ($1::text IS NULL OR state = $1)
           AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
           AND ($5::boolean OR parent_id IS NULL)
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [q.state ?? null, after?.t ?? null, after?.id ?? null, limit + 1, withSteps],
      ),
    );
    return pageOf(rows, limit, toJob, (r) => ({ t: r.created_at.toISOString(), id: r.id }));
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get one job', description: 'State, attempts and last error of a background job.' })
  @ApiOkResponse({ type: JobResponse })
  @ApiProblems('not_found', 'forbidden')
  async get(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ProblemException('not_found', 'No such job') })) id: string): Promise<JobResponse> {
    const rows: JobRow[] = await this.tx.read((m) => m.query(`SELECT ${COLUMNS} FROM platform.jobs WHERE id = $1`, [id]));
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
  async retry(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ProblemException('not_found', 'No such job') })) id: string): Promise<JobResponse> {
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
      this.tx.afterCommit(() => this.jobs.hint(id, 0));
      return toJob(row);
    });
  }
}
