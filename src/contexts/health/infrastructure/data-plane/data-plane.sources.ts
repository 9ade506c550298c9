import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ActualState, EnvironmentMetrics, ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { SimulatedDataPlane } from '@rcp/simulator';
import { DataPlaneUnavailableError, HealthCheckSource, MetricsSource, ObservedCheck } from '../../application/ports/data-plane-health.port';
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

/** The data plane's two reads of the executor protocol (docs/executor-protocol.md): `state` and `metrics` of an environment. */
export abstract class DataPlaneReader {
  abstract actualState(environmentId: string): Promise<ActualState>;
  abstract metrics(environmentId: string): Promise<EnvironmentMetrics>;
}

/** The simulated data plane's world, read in process (the default, `PROVISIONER=simulated`). */
@Injectable()
export class SimulatedDataPlaneReader extends DataPlaneReader {
  constructor(private readonly dataPlane: SimulatedDataPlane) {
    super();
  }

  actualState(environmentId: string): Promise<ActualState> {
    return this.dataPlane.world.actualState(environmentId);
  }

  metrics(environmentId: string): Promise<EnvironmentMetrics> {
    return this.dataPlane.world.metrics(environmentId);
  }
}

const MAX_ITEMS = 1000;
const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
const isMeasure = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** The parts of an executor's `state` answer health reads, checked: anything else is refused (`invalid`). */
export function checkedActualState(a: ActualState, environmentId: string): ActualState {
  const invalid = (what: string) => new TypeError(`the actual state of ${environmentId} is invalid: ${what}`);
  if (!a || typeof a !== 'object' || a.environmentId !== environmentId) throw invalid('not this environment\'s state');
  if (a.environment !== 'present' && a.environment !== 'absent') throw invalid('environment');
  if (typeof a.observedAt !== 'string' || Number.isNaN(Date.parse(a.observedAt))) throw invalid('observedAt');
  if (!Array.isArray(a.services) || a.services.length > MAX_ITEMS) throw invalid('services');
  a.services.forEach((s, i) => {
    if (!s || typeof s.name !== 'string' || !Array.isArray(s.revisions) || s.revisions.length > MAX_ITEMS) throw invalid(`services[${i}]`);
    s.revisions.forEach((r, j) => {
      if (!r || typeof r.revision !== 'string' || typeof r.healthy !== 'boolean') throw invalid(`services[${i}].revisions[${j}]`);
    });
  });
  return a;
}

/** An executor's `metrics` answer, checked the same way. */
export function checkedMetrics(m: EnvironmentMetrics, environmentId: string): EnvironmentMetrics {
  const invalid = (what: string) => new TypeError(`the metrics of ${environmentId} are invalid: ${what}`);
  if (!m || typeof m !== 'object' || m.environmentId !== environmentId) throw invalid('not this environment\'s metrics');
  if (typeof m.observedAt !== 'string' || Number.isNaN(Date.parse(m.observedAt))) throw invalid('observedAt');
  if (!Array.isArray(m.revisions) || m.revisions.length > MAX_ITEMS) throw invalid('revisions');
  m.revisions.forEach((r, i) => {
    const ok = r && typeof r.service === 'string' && typeof r.revision === 'string' && isMeasure(r.requestsPerSecond) && isMeasure(r.errorRate) && r.errorRate <= 1 && isMeasure(r.p95LatencyMs) && isMeasure(r.cpuPercent) && isCount(r.readyReplicas);
    if (!ok) throw invalid(`revisions[${i}]`);
  });
  return m;
}

/**
 * An external executor's reads (`PROVISIONER=http`): signed `GET ${EXECUTOR_URL}/environments/{id}/state`
 * and `…/metrics` through the shared client (no redirects, capped, time-limited). A refusal, or an answer
 * not of the documented shape, is a {@link DataPlaneUnavailableError} with a fixed phrase; the detail goes
 * to the operator log.
 */
@Injectable()
export class ExecutorDataPlaneReader extends DataPlaneReader {
  private readonly log = new Logger('ExecutorDataPlaneReader');
  private readonly client: ExecutorClient;

  constructor(@Inject(SETTINGS_TOKEN) settings: Settings) {
    super();
    this.client = new ExecutorClient(
      () => ({ url: settings.EXECUTOR_URL, secret: settings.EXECUTOR_SECRET, timeoutMs: settings.EXECUTOR_TIMEOUT_MS }),
      (message) => this.log.warn(message),
    );
  }

  actualState(environmentId: string): Promise<ActualState> {
    return this.get(`/environments/${encodeURIComponent(environmentId)}/state`, `actual state of ${environmentId}`, (a: ActualState) => checkedActualState(a, environmentId));
  }

  metrics(environmentId: string): Promise<EnvironmentMetrics> {
    return this.get(`/environments/${encodeURIComponent(environmentId)}/metrics`, `metrics of ${environmentId}`, (m: EnvironmentMetrics) => checkedMetrics(m, environmentId));
  }

  private async get<T>(path: string, what: string, check: (answer: T) => T): Promise<T> {
    let answer: T;
    try {
      answer = await this.client.read<T>(path, what);
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw new DataPlaneUnavailableError(err.publicReason);
      throw err;
    }
    try {
      return check(answer);
    } catch (err) {
      this.log.warn(`executor: ${(err as Error).message}`);
      throw new DataPlaneUnavailableError('executor response invalid');
    }
  }
}

/** Health checks from the data plane's actual state. */
@Injectable()
export class DataPlaneHealthCheckSource extends HealthCheckSource {
  constructor(private readonly reader: DataPlaneReader) {
    super();
  }

  async read(environmentId: string) {
    const state = await this.reader.actualState(environmentId);
    if (state.environment === 'absent') return null;
    return { observedAt: new Date(state.observedAt), checks: checksOf(state) };
  }
}

/** Metrics from the data plane's own `metrics` read (METRICS_SOURCE=data-plane: the simulator, or the executor with PROVISIONER=http). */
@Injectable()
export class DataPlaneMetricsSource extends MetricsSource {
  constructor(private readonly reader: DataPlaneReader) {
    super();
  }

  async read(environmentId: string, services: string[]) {
    const m = await this.reader.metrics(environmentId);
    return { observedAt: new Date(m.observedAt), services: serviceMetricsOf(m, services) };
  }
}
