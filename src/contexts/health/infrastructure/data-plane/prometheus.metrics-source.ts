import { Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { DataPlaneUnavailableError, MetricsSource } from '../../application/ports/data-plane-health.port';
import { Observed, ScalingMetric } from '../../domain/scaling';

/** A label value inside a PromQL double-quoted string: backslashes and quotes escaped, nothing else can break out. */
const promString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The query of one metric for one service: the template with `{{environment}}` and `{{service}}` filled in. */
export function promQuery(template: string, environmentId: string, service: string): string {
  return template.replace(/\{\{environment\}\}/g, promString(environmentId)).replace(/\{\{service\}\}/g, promString(service));
}

/**
 * Metrics from Prometheus (METRICS_SOURCE=prometheus), as Argo Rollouts' analysis and Flagger's metric
 * templates read them: one PromQL instant query per metric and service (`PROMETHEUS_QUERY_*`), through
 * the HTTP API (`GET /api/v1/query`). A query with no result leaves that metric out (the policy then
 * scales on the others); an unreachable Prometheus or an error answer fails the read with a fixed phrase.
 */
@Injectable()
export class PrometheusMetricsSource extends MetricsSource {
  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  private templates(): Array<[ScalingMetric, string]> {
    const s = this.settings;
    const all: Array<[ScalingMetric, string]> = [
      ['cpu', s.PROMETHEUS_QUERY_CPU],
      ['rps', s.PROMETHEUS_QUERY_RPS],
      ['p95LatencyMs', s.PROMETHEUS_QUERY_P95_LATENCY_MS],
      ['errorRate', s.PROMETHEUS_QUERY_ERROR_RATE],
    ];
    return all.filter(([, t]) => t.trim() !== '');
  }

  async read(environmentId: string, services: string[]) {
    const observedAt = new Date();
    const out: Array<{ service: string } & Observed> = [];
    for (const service of services) {
      const observed: Observed = {};
      for (const [metric, template] of this.templates()) {
        const value = await this.query(promQuery(template, environmentId, service), observedAt);
        if (value !== null) observed[metric] = value;
      }
      out.push({ service, ...observed });
    }
    return { observedAt, services: out };
  }

  /** One instant query; the first sample's value of a vector or scalar result, or null when it has none (or NaN). */
  async query(promql: string, at: Date): Promise<number | null> {
    const url = new URL('/api/v1/query', this.settings.PROMETHEUS_URL);
    url.searchParams.set('query', promql);
    url.searchParams.set('time', (at.getTime() / 1000).toFixed(3));
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.settings.EXECUTOR_TIMEOUT_MS) });
    } catch {
      throw new DataPlaneUnavailableError('Prometheus is unreachable');
    }
    const body = (await res.json().catch(() => null)) as { status?: string; data?: { resultType?: string; result?: unknown } } | null;
    if (!res.ok || body?.status !== 'success') throw new DataPlaneUnavailableError(`Prometheus refused a query (${res.status})`);
    const { resultType, result } = body.data ?? {};
    let raw: unknown;
    if (resultType === 'vector' && Array.isArray(result)) raw = (result[0] as { value?: [number, string] } | undefined)?.value?.[1];
    else if (resultType === 'scalar' && Array.isArray(result)) raw = result[1];
    else return null;
    const value = typeof raw === 'string' ? Number(raw) : NaN;
    return Number.isFinite(value) ? value : null;
  }
}
