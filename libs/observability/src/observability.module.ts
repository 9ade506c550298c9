import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from './metrics';
import { tracingAtApplicationShutdown } from './tracing';

/**
 * Exports the spans not yet exported and stops tracing when the application closes (after the workers
 * stopped in `beforeApplicationShutdown`, so the spans of their last deliveries and jobs go too).
 * Nothing when tracing is off.
 */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return tracingAtApplicationShutdown();
  }
}

/** Metrics registry of this process, and the end of its tracing. */
@Global()
@Module({ providers: [MetricsService, TracingShutdown], exports: [MetricsService] })
export class ObservabilityModule {}
