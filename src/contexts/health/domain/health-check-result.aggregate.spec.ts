import { Check, CheckStatus, DEFAULT_THRESHOLDS, HealthCheckResult } from './health-check-result.aggregate';

const T0 = new Date('2026-12-03T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const check = (status: CheckStatus, s: number): Check => ({ status, observedAt: at(s), latencyMs: 12, errorRate: 0, source: 'agent' });
const start = () => HealthCheckResult.start({ id: 'h-1', tenantId: 'acme', projectId: 'shop', environmentId: 'env-1', service: 'web', revision: null }, T0);

/** Feeds checks one per second; answers the status after each, and the events in order. */
function run(statuses: CheckStatus[], t = DEFAULT_THRESHOLDS) {
  const h = start();
  const seen = statuses.map((s, i) => {
    h.take(check(s, i + 1), t, at(i + 1));
    return h.status;
  });
  return { seen, events: h.pullEvents().map((e) => `${e.payload.previousStatus}→${e.payload.status}`), h };
}

describe('health with hysteresis', () => {
  it.each<[string, CheckStatus[], string[], string[]]>([
    ['turns healthy after successThreshold (2) passes', ['pass', 'pass', 'pass'], ['unknown', 'healthy', 'healthy'], ['unknown→healthy']],
    ['turns unhealthy only after failureThreshold (3) consecutive fails', ['pass', 'pass', 'fail', 'fail', 'fail'], ['unknown', 'healthy', 'healthy', 'healthy', 'unhealthy'], ['unknown→healthy', 'healthy→unhealthy']],
    ['a pass between fails restarts the count', ['pass', 'pass', 'fail', 'fail', 'pass', 'fail', 'fail'], ['unknown', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy'], ['unknown→healthy']],
    ['recovers after successThreshold passes, not one', ['fail', 'fail', 'fail', 'pass', 'pass'], ['unknown', 'unknown', 'unhealthy', 'unhealthy', 'healthy'], ['unknown→unhealthy', 'unhealthy→healthy']],
    ['a warn makes it degraded at once, passes make it healthy again', ['pass', 'pass', 'warn', 'pass', 'pass'], ['unknown', 'healthy', 'degraded', 'degraded', 'healthy'], ['unknown→healthy', 'healthy→degraded', 'degraded→healthy']],
    ['a steady stream of passes publishes one change only', Array(20).fill('pass'), [...['unknown'], ...Array(19).fill('healthy')], ['unknown→healthy']],
  ])('%s', (_name, statuses, expected, events) => {
    const r = run(statuses);
    expect(r.seen).toEqual(expected);
    expect(r.events).toEqual(events);
  });

  it('honours other thresholds', () => {
    expect(run(['fail'], { failureThreshold: 1, successThreshold: 1, staleSeconds: 90 }).seen).toEqual(['unhealthy']);
    expect(run(['pass', 'pass', 'pass'], { failureThreshold: 3, successThreshold: 3, staleSeconds: 90 }).seen).toEqual(['unknown', 'unknown', 'healthy']);
  });

  it('keeps since from the check that changed it, and the last ten checks', () => {
    const { h } = run([...Array(12).fill('pass'), 'fail', 'fail', 'fail']);
    const s = h.snapshot();
    expect(s.status).toBe('unhealthy');
    expect(s.since).toEqual(at(15));
    expect(s.reason).toBe('3 consecutive failed checks (failureThreshold 3)');
    expect(s.lastChecks).toHaveLength(10);
    expect(s.lastChecks[9].observedAt).toEqual(at(15));
  });

  it('ignores a check older than the last one taken', () => {
    const h = start();
    h.take(check('pass', 10), DEFAULT_THRESHOLDS, at(10));
    expect(h.take(check('fail', 5), DEFAULT_THRESHOLDS, at(11))).toEqual({ taken: false, changed: false });
    expect(h.snapshot().consecutiveFailures).toBe(0);
  });

  it('turns unknown when no check came for staleSeconds, once', () => {
    const { h } = run(['pass', 'pass']);
    h.pullEvents();
    expect(h.expireIfStale(DEFAULT_THRESHOLDS, at(2 + 89))).toBe(false);
    expect(h.expireIfStale(DEFAULT_THRESHOLDS, at(2 + 90))).toBe(true);
    expect(h.snapshot()).toMatchObject({ status: 'unknown', reason: 'no check for 90 s' });
    expect(h.expireIfStale(DEFAULT_THRESHOLDS, at(500))).toBe(false);
    expect(h.pullEvents().map((e) => e.payload.status)).toEqual(['unknown']);
  });
});
