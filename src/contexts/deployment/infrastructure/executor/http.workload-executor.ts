import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { EnvironmentMetrics, ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { RevisionReading, WorkloadExecutor, WorkloadExecutorUnavailableError, WorkloadOperation } from '../../application/ports/workload-executor.port';

/** Where the executor reports a deployment operation's outcome (the deployment context's callback route). */
export const DEPLOYMENT_CALLBACK_PATH = '/v1/executor-callbacks/deployments/';

const isMeasure = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * The workload executor for an external executor (`PROVISIONER=http`): `apply-revision` and `remove`
 * operations of docs/executor-protocol.md through the shared `ExecutorClient` (signed, no redirects,
 * capped answers, a time limit, sanitized reasons). The executor answers at once and later calls back
 * `POST /v1/executor-callbacks/deployments/{operationId}`. Metrics are `GET /environments/{id}/metrics`,
 * checked before use (an outside answer).
 */
@Injectable()
export class HttpWorkloadExecutor extends WorkloadExecutor {
  private readonly client: ExecutorClient;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
    const log = new Logger('HttpWorkloadExecutor');
    this.client = new ExecutorClient(
      () => ({ url: settings.EXECUTOR_URL, secret: settings.EXECUTOR_SECRET, timeoutMs: settings.EXECUTOR_TIMEOUT_MS }),
      (message) => log.warn(message),
    );
  }

  async submit(op: WorkloadOperation): Promise<void> {
    const callbackUrl = `${this.settings.PUBLIC_BASE_URL.replace(/\/+$/, '')}${DEPLOYMENT_CALLBACK_PATH}${op.operationId}`;
    const base = { operationId: op.operationId, attempt: 1, callbackUrl, environmentId: op.environmentId, service: op.service };
    try {
      await this.client.send(op.kind === 'apply' ? { ...base, kind: 'apply-revision', spec: op.spec } : { ...base, kind: 'remove', revision: op.revision }, { idempotencyKey: op.operationId });
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw new WorkloadExecutorUnavailableError(err.publicReason);
      throw err;
    }
  }

  async readMetrics(environmentId: string, service: string, revision: string): Promise<RevisionReading | null> {
    const m = await this.client.read<EnvironmentMetrics>(`/environments/${encodeURIComponent(environmentId)}/metrics`, 'metrics');
    const r = Array.isArray(m?.revisions) ? m.revisions.find((x) => x && x.service === service && x.revision === revision) : undefined;
    if (!r || !isMeasure(r.errorRate) || r.errorRate > 1 || !isMeasure(r.p95LatencyMs) || !isMeasure(r.requestsPerSecond)) return null;
    return { errorRate: r.errorRate, p95LatencyMs: r.p95LatencyMs, requestsPerSecond: r.requestsPerSecond };
  }
}
