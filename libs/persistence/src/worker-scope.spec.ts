import 'reflect-metadata';
import { PlatformScope, platformScopeOf, workerActor, workerScope } from './worker-scope';

class TenantHandler {}

@PlatformScope('reports on every tenant')
class CrossTenantHandler {}

describe('the scope of an event handler or a job', () => {
  it("is its tenant's, unless it has none or the handler declared @PlatformScope", () => {
    expect(workerScope('acme', new TenantHandler())).toEqual({ tenantId: 'acme', platform: false });
    expect(workerScope(null, new TenantHandler())).toEqual({ tenantId: null, platform: true });
    expect(workerScope('acme', new CrossTenantHandler())).toEqual({ tenantId: null, platform: true });
    expect(workerScope('acme', undefined)).toEqual({ tenantId: 'acme', platform: false });
  });

  it('@PlatformScope keeps its reason and needs one', () => {
    expect(platformScopeOf(new CrossTenantHandler())).toBe('reports on every tenant');
    expect(platformScopeOf(CrossTenantHandler)).toBe('reports on every tenant');
    expect(platformScopeOf(new TenantHandler())).toBeUndefined();
    expect(() => PlatformScope(' ')).toThrow(/needs a reason/);
  });

  it("limits the actor to the event's or job's project in a tenant's scope only", () => {
    expect(workerActor('job', [], 'acme', 'p1', { tenantId: 'acme', platform: false })).toEqual({ sub: 'job', kind: 'system', tenantId: 'acme', roles: [], projectIds: ['p1'] });
    expect(workerActor('job', [], 'acme', 'p1', { tenantId: null, platform: true })).toEqual({ sub: 'job', kind: 'system', tenantId: 'acme', roles: [] });
    expect(workerActor('job', [], 'acme', null, { tenantId: 'acme', platform: false })).not.toHaveProperty('projectIds');
  });
});
