import { Module } from '@nestjs/common';
import { OpsController } from './ops.controller';
import { WorkerRuntime } from './worker-runtime';

/** Operations endpoints and the worker runtime. */
@Module({
  controllers: [OpsController],
  providers: [WorkerRuntime],
  exports: [WorkerRuntime],
})
export class PlatformModule {}
