import { Body, Controller, Get, HttpCode, Injectable, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { Audited, Authorize } from '@rcp/auth';
import { DomainError } from '@rcp/ddd';
import { ApiProblems, LocationOf } from '@rcp/http';
import { HandlesJob, JobHandler, JobsService, NonRetryableJobError } from '@rcp/jobs';
import { EventCatalogue, ReadModelRebuilder, RebuildResult } from '@rcp/messaging';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';

export const READ_MODEL_REBUILD_JOB = 'platform.read-model-rebuild';

interface RebuildJobPayload {
  readModel: string;
  allowPruned: boolean;
}

/** One table of a read model, with how many rows it holds now. */
export class ReadModelTableResponse {
  @ApiProperty({ example: 'inventory.tenants' }) name: string;
  @ApiProperty({ type: 'integer', example: 42 }) rows: number;
}

/** A local read model: a context's copy of what it needs from other contexts' events. */
export class ReadModelResponse {
  @ApiProperty({ example: 'inventory.tenants', description: 'How the read model is named to rebuild it' }) name: string;
  @ApiProperty({ type: [ReadModelTableResponse] }) tables: ReadModelTableResponse[];
  @ApiProperty({ type: [String], example: ['rcp.tenancy.tenant-onboarded.v1'], description: 'The event types it is built from' }) eventTypes: string[];
}

export class ReadModelListResponse {
  @ApiProperty({ type: [ReadModelResponse] }) items: ReadModelResponse[];
}

export class ReadModelRebuildAcceptedResponse extends ReadModelResponse {
  @ApiProperty({ format: 'uuid', description: 'The job rebuilding it (GET /v1/jobs/{jobId}); its result says how many events were replayed' }) jobId: string;
}

export class RebuildReadModelRequest {
  @ApiPropertyOptional({
    default: false,
    description:
      'Rebuild even though retention pruned part of the event log (RETENTION_EVENT_LOG_DAYS): what only the pruned events said is then lost. Without it such a rebuild fails (the job ends `failed`, precondition_failed).',
  })
  @IsOptional()
  @IsBoolean()
  allowPruned?: boolean;
}

/**
 * Operators' view of the read models (`@ReadModel` projections) and their rebuild from the event log,
 * for after a projection's code was fixed or its rows are in doubt. The rebuild is a job: it can take a
 * while on a long log, and the job ledger shows its outcome.
 */
@ApiTags('Operations')
@Controller('v1/read-models')
export class ReadModelsController {
  constructor(
    private readonly rebuilder: ReadModelRebuilder,
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly jobs: JobsService,
  ) {}

  @Get()
  @Authorize(['platform:admin', 'platform:viewer'])
  @ApiOperation({ summary: 'List the read models', description: 'Every read model this build keeps, its tables with their row counts, and the event types it is built from.' })
  @ApiOkResponse({ type: ReadModelListResponse, description: 'The read models, by name' })
  @ApiProblems('forbidden')
  async list(): Promise<ReadModelListResponse> {
    return { items: await this.tx.read(() => Promise.all(this.rebuilder.names().map((n) => this.describe(n))), PLATFORM) };
  }

  @Get(':name')
  @Authorize(['platform:admin', 'platform:viewer'])
  @ApiParam({ name: 'name', example: 'inventory.tenants' })
  @ApiOperation({ summary: 'Get one read model', description: 'Its tables with their row counts, and the event types it is built from.' })
  @ApiOkResponse({ type: ReadModelResponse, description: 'The read model' })
  @ApiProblems('not_found', 'forbidden')
  get(@Param('name') name: string): Promise<ReadModelResponse> {
    return this.tx.read(() => this.describe(name), PLATFORM);
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @Authorize(['platform:admin'])
  @Audited('read-model.rebuild', 'read-model', 'name')
  @ApiParam({ name: 'name', example: 'inventory.tenants' })
  @ApiOperation({
    summary: 'Rebuild a read model from the event log',
    description:
      'Empties the read model and applies every retained event of its types again, in feed order, in one transaction: its live deliveries wait meanwhile, and a failure leaves it as it was.',
  })
  @ApiAcceptedResponse({ type: ReadModelRebuildAcceptedResponse, description: 'Accepted: the read model, and the jobId of the rebuild' })
  @ApiProblems('not_found', 'validation_failed', 'forbidden')
  @LocationOf('/v1/read-models/:name')
  rebuild(@Param('name') name: string, @Body() body: RebuildReadModelRequest): Promise<ReadModelRebuildAcceptedResponse> {
    return this.uow.execute({ action: 'read-model.rebuild', targetType: 'read-model', targetId: name, details: { allowPruned: body.allowPruned ?? false } }, async () => {
      const model = await this.describe(name);
      const payload: RebuildJobPayload = { readModel: name, allowPruned: body.allowPruned ?? false };
      const jobId = await this.jobs.enqueue(READ_MODEL_REBUILD_JOB, payload, { targetType: 'read-model', targetId: name, maxAttempts: 3 });
      return { ...model, jobId };
    });
  }

  private async describe(name: string): Promise<ReadModelResponse> {
    const declaration = this.rebuilder.declarationOf(name);
    if (!declaration) throw new DomainError('not_found', `No read model is named ${name}`);
    const m = this.tx.manager();
    const tables: ReadModelTableResponse[] = [];
    for (const t of declaration.tables) {
      const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM ${t.name}`);
      tables.push({ name: t.name, rows: n });
    }
    return { name, tables, eventTypes: declaration.events.map((cls) => EventCatalogue.ofClass(cls).type) };
  }
}

const PLATFORM = { tenantId: null, platform: true };

/** Runs a rebuild asked for through the API; a refusal (the log was pruned, no such read model) is final. */
@Injectable()
@HandlesJob(READ_MODEL_REBUILD_JOB)
export class ReadModelRebuildJob implements JobHandler<RebuildJobPayload> {
  constructor(private readonly rebuilder: ReadModelRebuilder) {}

  async run(payload: RebuildJobPayload): Promise<RebuildResult> {
    try {
      return await this.rebuilder.rebuild(payload.readModel, { allowPruned: payload.allowPruned });
    } catch (err) {
      if (err instanceof DomainError) throw new NonRetryableJobError(`${err.code}: ${err.message}`);
      throw err;
    }
  }
}
