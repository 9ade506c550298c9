import { DomainError } from '@rcp/ddd';
import { DEFAULT_HEALTH_GATE, GateObservation, HealthGate, evaluateGate, validateHealthGate } from './health-gate';

const T0 = new Date('2026-12-04T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const gate: HealthGate = { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: 500, timeoutSeconds: 120 };
const obs = (o: Partial<GateObservation> = {}): GateObservation => ({
  health: { status: 'healthy', since: at(0) },
  metrics: { samples: 5, errorRate: 0.01, p95LatencyMs: 120 },
  ...o,
});

describe('the health gate', () => {
  it('passes when healthy long enough and within limits on enough reports, with the numbers it judged', () => {
    const e = evaluateGate(gate, obs(), T0, at(31));
    expect(e.outcome).toBe('pass');
    expect(e.inputs).toEqual({ health: 'healthy', healthySeconds: 31, samples: 5, errorRate: 0.01, p95LatencyMs: 120, elapsedSeconds: 31 });
  });

  it('counts healthy time from the step\'s start, not from before it', () => {
    const e = evaluateGate(gate, obs({ health: { status: 'healthy', since: at(-600) } }), T0, at(10));
    expect(e.outcome).toBe('inconclusive');
    expect(e.reasons).toEqual(['healthy for 10 s of 30 s']);
  });

  it.each<[string, Partial<GateObservation>, RegExp]>([
    ['an unhealthy revision', { health: { status: 'unhealthy', since: at(5) } }, /unhealthy since/],
    ['an error rate above the limit', { metrics: { samples: 4, errorRate: 0.2, p95LatencyMs: 100 } }, /error rate 0.2 above 0.05 over 4 reports/],
    ['a latency above the limit', { metrics: { samples: 4, errorRate: 0, p95LatencyMs: 900 } }, /p95 latency 900 ms above 500 ms/],
  ])('fails on %s, at once', (_, o, reason) => {
    const e = evaluateGate(gate, obs(o), T0, at(3));
    expect(e.outcome).toBe('fail');
    expect(e.reasons.join('; ')).toMatch(reason);
  });

  it('is inconclusive on too few reports or a status still unknown, and fails once the timeout passes', () => {
    const few = obs({ metrics: { samples: 2, errorRate: 0.9, p95LatencyMs: 100 } });
    expect(evaluateGate(gate, few, T0, at(40))).toMatchObject({ outcome: 'inconclusive', reasons: ['2 metric reports of 3'] });
    const unknown = obs({ health: { status: 'unknown', since: at(0) } });
    expect(evaluateGate(gate, unknown, T0, at(40))).toMatchObject({ outcome: 'inconclusive', reasons: ['unknown, not healthy'] });
    const late = evaluateGate(gate, unknown, T0, at(120));
    expect(late.outcome).toBe('fail');
    expect(late.reasons[0]).toMatch(/still inconclusive after 120 s \(timeoutSeconds 120\): unknown, not healthy/);
  });

  it('never passes without a health source: inconclusive, then failed closed at the timeout', () => {
    expect(evaluateGate(gate, obs({ health: null }), T0, at(3))).toMatchObject({ outcome: 'inconclusive', reasons: ['no health source has reported this service yet'], inputs: { health: 'no source' } });
    const closed = evaluateGate(gate, obs({ health: null }), T0, at(120));
    expect(closed.outcome).toBe('fail');
    expect(closed.reasons[0]).toMatch(/no health source reported this service within 120 s: .* fails closed/);
  });

  it('judges health alone when no metric limit is set', () => {
    const healthOnly = { ...gate, maxErrorRate: null, maxP95LatencyMs: null };
    expect(evaluateGate(healthOnly, obs({ metrics: { samples: 0, errorRate: null, p95LatencyMs: null } }), T0, at(30)).outcome).toBe('pass');
  });

  it('refuses a timeout shorter than minHealthySeconds and out-of-range limits', () => {
    const field = (g: HealthGate) => {
      try {
        validateHealthGate(g);
        return undefined;
      } catch (e) {
        return ((e as DomainError).details.errors as Array<{ field: string }>)[0].field;
      }
    };
    expect(field(DEFAULT_HEALTH_GATE)).toBeUndefined();
    expect(field({ ...gate, timeoutSeconds: 20 })).toBe('healthGate.timeoutSeconds');
    expect(field({ ...gate, maxErrorRate: 1.5 })).toBe('healthGate.maxErrorRate');
    expect(field({ ...gate, maxP95LatencyMs: 0 })).toBe('healthGate.maxP95LatencyMs');
    expect(field({ ...gate, minHealthySeconds: -1 })).toBe('healthGate.minHealthySeconds');
  });
});
