import { CheckStatus } from '../../domain/health-status';
import { Observed } from '../../domain/scaling';

/** One revision's check as read from the data plane. */
export interface ObservedCheck {
  service: string;
  revision: string | null;
  status: CheckStatus;
  latencyMs: number | null;
  errorRate: number | null;
}

export class DataPlaneUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
  }
}

/** Health checks read from the data plane (the simulated one by default): per service revision. */
export abstract class HealthCheckSource {
  abstract read(environmentId: string): Promise<{ observedAt: Date; checks: ObservedCheck[] } | null>;
}

/** Per-service metrics for the scaling formula, from the data plane or Prometheus. */
export abstract class MetricsSource {
  abstract read(environmentId: string, services: string[]): Promise<{ observedAt: Date; services: Array<{ service: string } & Observed> }>;
}
