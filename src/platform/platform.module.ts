import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { OpsController } from './ops.controller';
import { ReadModelRebuildJob, ReadModelsController } from './read-models.controller';
import { RetentionPruner } from './retention-pruner';
import { WorkerRuntime } from './worker-runtime';

/** Operations endpoints (health, metrics, build info, the audit log, read models) and the worker runtime. */
@Module({
  controllers: [OpsController, AuditLogController, ReadModelsController],
  providers: [WorkerRuntime, RetentionPruner, ReadModelRebuildJob],
  exports: [WorkerRuntime, RetentionPruner],
})
export class PlatformModule {}
