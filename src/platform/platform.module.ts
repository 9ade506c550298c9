import { Module } from '@nestjs/common';
import { ExecutorCallbackRawBody } from '@rcp/executor';
import { AuditLogController } from './audit-log.controller';
import { OpsController } from './ops.controller';
import { ReadModelRebuildJob, ReadModelsController } from './read-models.controller';
import { RetentionPruner } from './retention-pruner';
import { WorkerRuntime } from './worker-runtime';

/** Operations endpoints (health, metrics, build info, the audit log, read models) and the worker runtime. */
@Module({
  controllers: [OpsController, AuditLogController, ReadModelsController],
  // The raw body of executor callbacks (inventory's and health's routes), kept once for all of them.
  providers: [WorkerRuntime, RetentionPruner, ReadModelRebuildJob, ExecutorCallbackRawBody],
  exports: [WorkerRuntime, RetentionPruner],
})
export class PlatformModule {}
