import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics';

/** Metrics registry of this process. */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class ObservabilityModule {}
