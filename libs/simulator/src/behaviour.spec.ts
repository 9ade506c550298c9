import { StoredRevision, Timings, isHealthy, loadAt, metricsOf, readyAt, readyReplicasAt, traitOf } from './behaviour';

const T: Timings = { readyStepMs: 1000, progressDeadlineMs: 10_000 };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const rev = (over: Partial<StoredRevision> = {}): StoredRevision => ({
  service: 'api',
  revision: 'r1',
  image: 'registry.example/api:1.0.0',
  configChecksum: null,
  replicas: 3,
  readyBase: 0,
  changedAt: t0,
  trafficWeight: 100,
  ...over,
});

describe('simulated data plane behaviour', () => {
  it('reads the trait from the image tag only', () => {
    expect(traitOf('api:1.2-unhealthy')).toBe('unhealthy');
    expect(traitOf('registry:5000/team/api:2-slow')).toBe('slow');
    expect(traitOf('api:3-crashloop')).toBe('crashloop');
    expect(traitOf('registry-unhealthy:5000/api:1')).toBe('healthy');
    expect(traitOf('api@sha256:abc')).toBe('healthy');
    expect(traitOf('api:1.0.0')).toBe('healthy');
  });

  it('makes replicas ready one by one, keeps ready ones on a scale-up, and drops surplus at once on a scale-down', () => {
    const r = rev();
    expect([0, 999, 1000, 2500, 3000, 60_000].map((ms) => readyReplicasAt(r, at(ms), T))).toEqual([0, 0, 1, 2, 3, 3]);
    expect(readyAt(r, T)).toEqual(at(3000));
    const up = rev({ replicas: 5, readyBase: 3 });
    expect([0, 1000, 2000].map((ms) => readyReplicasAt(up, at(ms), T))).toEqual([3, 4, 5]);
    expect(readyAt(up, T)).toEqual(at(2000));
    const down = rev({ replicas: 1, readyBase: 3 });
    expect(readyReplicasAt(down, at(0), T)).toBe(1);
    expect(readyAt(down, T)).toEqual(at(0));
  });

  it('never makes a crash-looping revision ready, and fails the checks of an unhealthy one', () => {
    const crash = rev({ image: 'api:2-crashloop' });
    expect(readyReplicasAt(crash, at(3_600_000), T)).toBe(0);
    expect(readyAt(crash, T)).toBeNull();
    expect(isHealthy(crash, at(60_000), T)).toBe(false);
    expect(isHealthy(rev({ image: 'api:2-unhealthy' }), at(60_000), T)).toBe(false);
    expect(isHealthy(rev(), at(60_000), T)).toBe(true);
    expect(isHealthy(rev(), at(0), T)).toBe(false);
  });

  it('swings the load by a fifth around its base', () => {
    const samples = Array.from({ length: 60 }, (_, i) => loadAt(100, at(i * 10_000)));
    expect(Math.max(...samples)).toBeLessThanOrEqual(120);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(30);
  });

  it('splits the load by traffic weight; CPU and latency move with replicas; errors with the image and with no ready replica', () => {
    const later = at(60_000);
    const [stable, canary] = metricsOf([rev({ revision: 'stable', trafficWeight: 90 }), rev({ revision: 'canary', trafficWeight: 10, image: 'api:2-unhealthy' })], 100, later, T);
    expect(stable.requestsPerSecond / canary.requestsPerSecond).toBeCloseTo(9, 1);
    expect(stable.errorRate).toBeLessThan(0.01);
    expect(canary.errorRate).toBeGreaterThan(0.2);

    const [few] = metricsOf([rev({ replicas: 1 })], 100, later, T);
    const [many] = metricsOf([rev({ replicas: 6 })], 100, later, T);
    expect(few.cpuPercent).toBeGreaterThan(many.cpuPercent * 2);
    expect(few.p95LatencyMs).toBeGreaterThan(many.p95LatencyMs);
    expect(few.errorRate).toBeGreaterThan(many.errorRate);

    const [fast] = metricsOf([rev()], 50, later, T);
    const [slow] = metricsOf([rev({ image: 'api:2-slow' })], 50, later, T);
    expect(slow.p95LatencyMs).toBeGreaterThan(fast.p95LatencyMs * 5);

    const [crash] = metricsOf([rev({ image: 'api:2-crashloop' })], 50, later, T);
    expect(crash).toMatchObject({ readyReplicas: 0, errorRate: 1, cpuPercent: 0 });
    const [idle] = metricsOf([rev({ trafficWeight: 0 })], 50, later, T);
    expect(idle).toMatchObject({ requestsPerSecond: 0, errorRate: 0 });
  });
});
