import { Injectable } from '@nestjs/common';
import { ActualState, EnvironmentMetrics } from '@rcp/executor';
import { SimulatedDataPlane } from '@rcp/simulator';
import { HealthCheckSource, MetricsSource, ObservedCheck } from '../../application/ports/data-plane-health.port';
import { Observed } from '../../domain/scaling';

/** One check per revision (its readiness checks pass or not) and one per service (all pass, some, none). */
export function checksOf(state: ActualState): ObservedCheck[] {
  return state.services.flatMap((s) => {
    const perRevision: ObservedCheck[] = s.revisions.map((r) => ({ service: s.name, revision: r.revision, status: r.healthy ? 'pass' : 'fail', latencyMs: null, errorRate: null }));
    const healthy = s.revisions.filter((r) => r.healthy).length;
    const service: ObservedCheck = { service: s.name, revision: null, status: healthy === s.revisions.length && healthy > 0 ? 'pass' : healthy > 0 ? 'warn' : 'fail', latencyMs: null, errorRate: null };
    return [service, ...perRevision];
  });
}

/** A service's metrics from its revisions': requests summed, errors and CPU weighted, the worst p95. */
export function serviceMetricsOf(m: EnvironmentMetrics, services: string[]): Array<{ service: string } & Observed> {
  return services.flatMap((service) => {
    const revisions = m.revisions.filter((r) => r.service === service);
    if (revisions.length === 0) return [];
    const rps = revisions.reduce((n, r) => n + r.requestsPerSecond, 0);
    const ready = revisions.reduce((n, r) => n + r.readyReplicas, 0);
    const errorRate = rps > 0 ? revisions.reduce((n, r) => n + r.errorRate * r.requestsPerSecond, 0) / rps : 0;
    const cpu = ready > 0 ? revisions.reduce((n, r) => n + r.cpuPercent * r.readyReplicas, 0) / ready : 0;
    const p95LatencyMs = Math.max(...revisions.map((r) => r.p95LatencyMs));
    return [{ service, cpu, rps, p95LatencyMs, errorRate }];
  });
}

/** Health checks from the simulated data plane's actual state. */
@Injectable()
export class SimulatedHealthCheckSource extends HealthCheckSource {
  constructor(private readonly dataPlane: SimulatedDataPlane) {
    super();
  }

  async read(environmentId: string) {
    const state = await this.dataPlane.world.actualState(environmentId);
    if (state.environment === 'absent') return null;
    return { observedAt: new Date(state.observedAt), checks: checksOf(state) };
  }
}

/** Metrics from the simulated data plane (METRICS_SOURCE=simulated). */
@Injectable()
export class SimulatedMetricsSource extends MetricsSource {
  constructor(private readonly dataPlane: SimulatedDataPlane) {
    super();
  }

  async read(environmentId: string, services: string[]) {
    const m = await this.dataPlane.world.metrics(environmentId);
    return { observedAt: new Date(m.observedAt), services: serviceMetricsOf(m, services) };
  }
}
