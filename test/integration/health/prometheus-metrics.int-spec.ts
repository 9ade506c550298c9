import { randomUUID } from 'node:crypto';
import { SimulatedDataPlane } from '@rcp/simulator';
import { delivered, eventually, givenReadyEnvironment, givenTenant, startTestApp, testSettings } from '@rcp/testing';
import { HealthSchedule } from '../../../src/contexts/health/application/health-schedule';
import { DataPlaneUnavailableError } from '../../../src/contexts/health/application/ports/data-plane-health.port';
import { PrometheusMetricsSource, promQuery } from '../../../src/contexts/health/infrastructure/data-plane/prometheus.metrics-source';
import { MetricsTarget, PrometheusServer, Sample } from '../../support/prometheus';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(60_000);

const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000;

/**
 * What a workload's exporters would expose, as counters growing at fixed rates, so the default query
 * templates (rate over a window) have known answers: 0.73 cpu-seconds a second (73 %), 40 requests a
 * second answered 200 and 2 answered 500, latencies in a histogram whose 95th percentile is 248.5 ms.
 */
function workload(namespace: string, service: string): Sample[] {
  const counter = (perSecond: number) => () => Math.round(perSecond * elapsed() * 1000) / 1000;
  const http = { namespace, service };
  return [
    { name: 'container_cpu_usage_seconds_total', labels: { namespace, container: service }, value: counter(0.73) },
    { name: 'http_requests_total', labels: { ...http, code: '200' }, value: counter(40) },
    { name: 'http_requests_total', labels: { ...http, code: '500' }, value: counter(2) },
    { name: 'http_request_duration_seconds_bucket', labels: { ...http, le: '0.1' }, value: counter(30) },
    { name: 'http_request_duration_seconds_bucket', labels: { ...http, le: '0.25' }, value: counter(40) },
    { name: 'http_request_duration_seconds_bucket', labels: { ...http, le: '0.5' }, value: counter(42) },
    { name: 'http_request_duration_seconds_bucket', labels: { ...http, le: '+Inf' }, value: counter(42) },
  ];
}

/** The Prometheus metrics source against a real Prometheus server scraping a target this test serves. */
describe('Prometheus metrics source (a real Prometheus)', () => {
  const target = new MetricsTarget();
  const prometheus = new PrometheusServer();
  let url: string;

  beforeAll(async () => {
    target.samples = workload('env-a', 'checkout');
    url = await prometheus.start(await target.start());
    // Six samples, so a 5 s window is full.
    await prometheus.until('count_over_time(container_cpu_usage_seconds_total[6s]) >= 6');
  });
  afterAll(async () => {
    await prometheus.stop();
    await target.stop();
  });

  /**
   * The default query templates with a 5 s window instead of 2 min: `rate` divides by the whole window,
   * so a Prometheus a few seconds old would under-report every rate over 2 min.
   */
  const settings = (overrides: Record<string, string> = {}) => {
    const defaults = testSettings();
    const short = (q: string) => q.replace(/\[2m\]/g, '[5s]');
    return {
      METRICS_SOURCE: 'prometheus',
      PROMETHEUS_URL: url,
      PROMETHEUS_QUERY_CPU: short(defaults.PROMETHEUS_QUERY_CPU),
      PROMETHEUS_QUERY_RPS: short(defaults.PROMETHEUS_QUERY_RPS),
      PROMETHEUS_QUERY_P95_LATENCY_MS: short(defaults.PROMETHEUS_QUERY_P95_LATENCY_MS),
      PROMETHEUS_QUERY_ERROR_RATE: short(defaults.PROMETHEUS_QUERY_ERROR_RATE),
      ...overrides,
    };
  };
  const source = (overrides: Record<string, string> = {}) => new PrometheusMetricsSource(testSettings(settings(overrides)));

  it('reads cpu, rps, p95 latency and error rate with the default query templates', async () => {
    const { services } = await source().read('env-a', ['checkout']);
    expect(services).toHaveLength(1);
    const [m] = services;
    expect(m.service).toBe('checkout');
    expect(m.cpu).toBeCloseTo(73, 0);
    expect(m.rps).toBeCloseTo(42, 0);
    expect(m.errorRate).toBeCloseTo(2 / 42, 2);
    expect(m.p95LatencyMs).toBeGreaterThan(240);
    expect(m.p95LatencyMs).toBeLessThan(257);
  });

  it('leaves out a metric whose query has no result, and a service Prometheus does not know', async () => {
    const { services } = await source({ PROMETHEUS_QUERY_RPS: '' }).read('env-a', ['checkout', 'unknown']);
    expect(Object.keys(services[0]).sort()).toEqual(['cpu', 'errorRate', 'p95LatencyMs', 'service']);
    expect(services[1]).toEqual({ service: 'unknown' });
  });

  it('keeps a label value inside its string: a quote in a name cannot break out of the selector', async () => {
    const template = 'sum(http_requests_total{namespace="{{environment}}",service="{{service}}"})';
    const hostile = 'x"} or vector(99) or foo{a="';
    expect(await source().query(promQuery(template, 'env-a', hostile), new Date())).toBeNull();
    // Pasted in as it is, the same name would have answered a number of its own choosing.
    expect(await source().query(template.replace('{{environment}}', 'env-a').replace('{{service}}', hostile), new Date())).toBe(99);
  });

  it('fails a broken template with a fixed phrase, never Prometheus\' own message', async () => {
    const err = await source({ PROMETHEUS_QUERY_CPU: 'sum(rate(' }).read('env-a', ['checkout']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataPlaneUnavailableError);
    expect((err as DataPlaneUnavailableError).publicReason).toBe('Prometheus refused a query (400)');
  });

  it('fails with a fixed phrase when Prometheus cannot be reached', async () => {
    const err = await source({ PROMETHEUS_URL: 'http://127.0.0.1:9' }).read('env-a', ['checkout']).catch((e: unknown) => e);
    expect((err as DataPlaneUnavailableError).publicReason).toBe('Prometheus is unreachable');
  });

  describe('through the app (METRICS_SOURCE=prometheus)', () => {
    let t: App;
    beforeAll(async () => {
      t = await startTestApp({ ...settings(), SIMULATED_READY_STEP_MS: '20', SIMULATED_LATENCY_MS: '20', JOB_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_BASE_MS: '10', RELAY_IDLE_MAX_MS: '50' });
    });
    afterAll(() => t.close());

    it('scales a service from what Prometheus measures when the data plane is pulled', async () => {
      const owner = await givenTenant(t);
      const env = await givenReadyEnvironment(t, owner);
      await delivered(t, env.id);
      target.samples = [...workload('env-a', 'checkout'), ...workload(env.id, 'checkout')];
      await prometheus.until(`count_over_time(container_cpu_usage_seconds_total{namespace="${env.id}"}[6s]) >= 6`);
      const world = t.app.get(SimulatedDataPlane).world;
      const image = 'registry.example/checkout:1.0.0';
      await world.submit({ operationId: randomUUID(), kind: 'apply-revision', attempt: 1, callbackUrl: '', environmentId: env.id, service: 'checkout', spec: { revision: 'checkout-1', image, configChecksum: null, secretRefs: [], replicas: 2, trafficWeight: 100 } }, null);
      await t.http().put(`/v1/environments/${env.id}/actual-state`).set({ authorization: `Bearer ${owner.agent(env.id)}` }).send({ observedAt: new Date().toISOString(), services: [{ name: 'checkout', image, replicas: 2, readyReplicas: 2, configChecksum: null }] }).expect(200);
      await eventually(async () => (await t.asOwner(`SELECT replicas FROM health.services WHERE environment_id = $1`, [env.id]))[0]?.replicas === 2, 10_000, 25, 'health sees the replicas');
      // A 50 % cpu target with 2 replicas at 73 % asks for ceil(2 × 73 / 50) = 3.
      const base = `/v1/environments/${env.id}`;
      await t.http().put(`${base}/services/checkout/scaling-policy`).set({ authorization: `Bearer ${owner.admin}` }).send({ minReplicas: 1, maxReplicas: 10, targets: [{ metric: 'cpu', value: 50 }] }).expect(200);

      expect(await t.app.get(HealthSchedule).pullAll()).toBeGreaterThanOrEqual(1);

      const decision = await eventually(async () => {
        const res = await t.http().get(`${base}/scaling-decisions`).set({ authorization: `Bearer ${owner.viewer}` });
        return res.body.items[0]?.state === 'applied' && res.body.items[0];
      }, 20_000, 100, 'a decision from Prometheus\' numbers, applied');
      expect(decision).toMatchObject({ service: 'checkout', currentReplicas: 2, desiredReplicas: 3 });
      expect(decision.observed.cpu).toBeCloseTo(73, 0);
      expect(decision.observed.rps).toBeCloseTo(42, 0);
      expect((await world.actualState(env.id)).services[0].replicas).toBe(3);
    });
  });
});
