import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { OpsController } from './ops.controller';
import { RetentionPruner } from './retention-pruner';
import { WorkerRuntime } from './worker-runtime';

/** Operations endpoints (health, metrics, build info, the audit log) and the worker runtime. */
@Module({
  controllers: [OpsController, AuditLogController],
  providers: [WorkerRuntime, RetentionPruner],
  exports: [WorkerRuntime, RetentionPruner],
})
export class PlatformModule {}
