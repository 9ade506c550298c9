import { domainErrorCode } from '@rcp/testing/domain';
import { RuntimeServiceInventory } from './runtime-service-inventory.aggregate';
import { aService, anInventory, at } from './runtime-service-inventory.mother';

const now = at(60);

const codeOf = domainErrorCode;

describe('RuntimeServiceInventory (actual-state diffing)', () => {
  it('observes every service of the first report', () => {
    const inv = anInventory().build();
    const outcome = inv.applyReport({ observedAt: at(2), services: [aService('web'), aService('api', { replicas: 3, readyReplicas: 1 })] }, 10, now);
    expect(outcome).toMatchObject({ applied: true, observed: ['api', 'web'], changed: [], removed: [], unchanged: [], overQuota: [], liveServices: 2 });
    const events = inv.pullEvents();
    expect(events.map((e) => e.name)).toEqual(['ServiceObserved', 'ServiceObserved']);
    expect(events[0].payload).toEqual({
      tenantId: 'acme',
      projectId: 'web',
      service: 'api',
      image: 'registry.example.com/api:1.0.0',
      replicas: 3,
      readyReplicas: 1,
      configChecksum: 'sha256:api-1',
      observedAt: at(2).toISOString(),
      overQuota: false,
    });
    expect(inv.pendingServiceWrites().map((s) => s.name).sort()).toEqual(['api', 'web']);
  });

  it('records a change with the previous state, and nothing for services that did not change', () => {
    const inv = anInventory().withServices(aService('web'), aService('api')).build();
    const outcome = inv.applyReport({ observedAt: at(2), services: [aService('web', { image: 'registry.example.com/web:1.1.0', readyReplicas: 1 }), aService('api')] }, 10, now);
    expect(outcome).toMatchObject({ applied: true, observed: [], changed: ['web'], unchanged: ['api'], removed: [] });
    const [event] = inv.pullEvents();
    expect(event.name).toBe('ServiceChanged');
    expect(event.payload).toMatchObject({
      service: 'web',
      image: 'registry.example.com/web:1.1.0',
      readyReplicas: 1,
      previous: { image: 'registry.example.com/web:1.0.0', replicas: 2, readyReplicas: 2, configChecksum: 'sha256:web-1' },
    });
  });

  it('marks services missing from a full report as removed, and observes them anew when they come back', () => {
    const inv = anInventory().withServices(aService('web'), aService('api')).build();
    expect(inv.applyReport({ observedAt: at(2), services: [aService('web')] }, 10, now)).toMatchObject({ removed: ['api'], unchanged: ['web'] });
    const [removed] = inv.pullEvents();
    expect(removed.name).toBe('ServiceRemoved');
    expect(removed.payload).toEqual({ tenantId: 'acme', projectId: 'web', service: 'api', observedAt: at(2).toISOString() });
    expect(inv.snapshot().services.find((s) => s.name === 'api')).toMatchObject({ removed: true, removedAt: at(2) });
    expect(inv.liveServices().map((s) => s.name)).toEqual(['web']);
    expect(inv.applyReport({ observedAt: at(3), services: [aService('web'), aService('api')] }, 10, now)).toMatchObject({ observed: ['api'] });
    expect(inv.pullEvents().map((e) => e.name)).toEqual(['ServiceObserved']);
  });

  it('removes everything on an empty report', () => {
    const inv = anInventory().withServices(aService('web'), aService('api')).build();
    expect(inv.applyReport({ observedAt: at(2), services: [] }, 10, now)).toMatchObject({ removed: ['api', 'web'], liveServices: 0 });
    expect(inv.pullEvents().map((e) => e.name)).toEqual(['ServiceRemoved', 'ServiceRemoved']);
  });

  it('records nothing for a report that changes nothing, but remembers when it was observed', () => {
    const inv = anInventory().withServices(aService('web')).build();
    expect(inv.applyReport({ observedAt: at(5), services: [aService('web')] }, 10, now)).toMatchObject({ applied: true, unchanged: ['web'] });
    expect(inv.pullEvents()).toHaveLength(0);
    expect(inv.snapshot()).toMatchObject({ lastObservedAt: at(5), services: [{ name: 'web', lastObservedAt: at(5), lastChangedAt: at(1) }] });
  });

  it('ignores a report older than the last applied one and says why', () => {
    const inv = anInventory().withServices(aService('web')).build();
    const outcome = inv.applyReport({ observedAt: at(0), services: [] }, 10, now);
    expect(outcome).toEqual({
      applied: false,
      reason: `stale report: observed at ${at(0).toISOString()}, but a report observed at ${at(1).toISOString()} was already applied`,
      lastObservedAt: at(1).toISOString(),
    });
    expect(inv.pullEvents()).toHaveLength(0);
    expect(inv.pendingServiceWrites()).toHaveLength(0);
    expect(inv.liveServices().map((s) => s.name)).toEqual(['web']);
  });

  it('applies a repeated report with the same observedAt idempotently', () => {
    const inv = anInventory().withServices(aService('web')).build();
    expect(inv.applyReport({ observedAt: at(1), services: [aService('web')] }, 10, now)).toMatchObject({ applied: true, unchanged: ['web'] });
    expect(inv.pullEvents()).toHaveLength(0);
  });

  describe('maxServicesPerEnvironment', () => {
    it('keeps services beyond the quota, flags them overQuota and reports them (never drops them)', () => {
      const inv = anInventory().withServices(aService('web'), aService('api')).withQuota(2).build();
      const outcome = inv.applyReport({ observedAt: at(2), services: [aService('web'), aService('api'), aService('worker'), aService('cron')] }, 2, now);
      expect(outcome).toMatchObject({ applied: true, observed: ['cron', 'worker'], overQuota: ['cron', 'worker'], liveServices: 4, maxServicesPerEnvironment: 2 });
      const events = inv.pullEvents();
      expect(events.map((e) => [e.name, (e.payload as { service: string }).service, (e.payload as { overQuota: boolean }).overQuota])).toEqual([
        ['ServiceObserved', 'cron', true],
        ['ServiceObserved', 'worker', true],
      ]);
      expect(inv.liveServices()).toHaveLength(4);
    });

    it('lets the oldest services keep their place and records a change when a service leaves the over-quota set', () => {
      const inv = anInventory().withServices(aService('web'), aService('api'), aService('worker')).withQuota(2).build();
      expect(inv.snapshot().services.filter((s) => s.overQuota).map((s) => s.name)).toEqual(['worker']);
      const outcome = inv.applyReport({ observedAt: at(2), services: [aService('web'), aService('worker')] }, 2, now);
      expect(outcome).toMatchObject({ removed: ['api'], changed: ['worker'], overQuota: [] });
      const events = inv.pullEvents();
      expect(events.map((e) => e.name)).toEqual(['ServiceChanged', 'ServiceRemoved']);
      expect(events[0].payload).toMatchObject({ service: 'worker', overQuota: false, previous: { image: 'registry.example.com/worker:1.0.0' } });
    });

    it('refuses a report listing more than twice the quota (quota_exceeded), so one report cannot publish unbounded events', () => {
      const inv = anInventory().withServices(aService('web')).withQuota(2).build();
      const five = ['a1', 'a2', 'a3', 'a4', 'a5'].map((n) => aService(n));
      expect(codeOf(() => inv.applyReport({ observedAt: at(2), services: five }, 2, now))).toBe('quota_exceeded');
      expect(inv.pullEvents()).toHaveLength(0);
      expect(inv.liveServices().map((s) => s.name)).toEqual(['web']);
      const four = inv.applyReport({ observedAt: at(2), services: five.slice(0, 4) }, 2, now);
      expect(four).toMatchObject({ applied: true, liveServices: 4, overQuota: ['a3', 'a4'] });
    });

    it('applies no limit when the tenant\'s quota is unknown', () => {
      const inv = anInventory().build();
      expect(inv.applyReport({ observedAt: at(2), services: [aService('a1'), aService('a2'), aService('a3')] }, null, now)).toMatchObject({ overQuota: [], maxServicesPerEnvironment: null });
    });
  });

  describe('validation', () => {
    it.each([
      ['a duplicate service name', { observedAt: at(2), services: [aService('web'), aService('web')] }],
      ['a service name that is not a DNS label', { observedAt: at(2), services: [aService('Web_1')] }],
      ['negative replicas', { observedAt: at(2), services: [aService('web', { replicas: -1 })] }],
      ['fractional ready replicas', { observedAt: at(2), services: [aService('web', { readyReplicas: 1.5 })] }],
      ['an empty image', { observedAt: at(2), services: [aService('web', { image: ' ' })] }],
      ['an observedAt far in the future', { observedAt: at(3600), services: [] }],
      ['an invalid observedAt', { observedAt: new Date('nope'), services: [] }],
    ])('refuses %s (validation_failed) and changes nothing', (_, report) => {
      const inv = anInventory().withServices(aService('web')).build();
      expect(codeOf(() => inv.applyReport(report, 10, now))).toBe('validation_failed');
      expect(inv.pullEvents()).toHaveLength(0);
    });
  });

  it('removes every live service when the environment is gone, once', () => {
    const inv = anInventory().withServices(aService('web'), aService('api')).build();
    expect(inv.clear(at(30), now)).toEqual(['api', 'web']);
    expect(inv.pullEvents().map((e) => [e.name, (e.payload as { service: string; observedAt: string }).service, (e.payload as { observedAt: string }).observedAt])).toEqual([
      ['ServiceRemoved', 'api', at(30).toISOString()],
      ['ServiceRemoved', 'web', at(30).toISOString()],
    ]);
    expect(inv.liveServices()).toEqual([]);
    expect(inv.clear(at(31), now)).toEqual([]);
    expect(inv.pullEvents()).toHaveLength(0);
    expect(inv.applyReport({ observedAt: at(29), services: [aService('web')] }, 10, now)).toMatchObject({ applied: false });
  });

  it('round-trips through its snapshot', () => {
    const inv = anInventory().withServices(aService('web'), aService('api')).build();
    const copy = RuntimeServiceInventory.rehydrate(inv.snapshot());
    expect(copy.snapshot()).toEqual(inv.snapshot());
  });
});
