import { domainErrorCode } from '@rcp/testing/domain';
import { DomainError } from '@rcp/ddd';
import { placementFor } from './placement';
import { NO_USAGE } from './quotas.value-object';
import { RuntimeTenantBinding } from './runtime-tenant-binding.aggregate';
import { aTenant, T0 } from './runtime-tenant-binding.mother';

const later = new Date('2026-01-02T00:00:00Z');
const quotas = { maxEnvironments: 3, maxServicesPerEnvironment: 10, maxReplicasPerService: 5, maxTotalReplicas: 50 };

const codeOf = domainErrorCode;

describe('RuntimeTenantBinding', () => {
  describe('onboarding', () => {
    it('records TenantOnboarded with the placement derived from the isolation mode', () => {
      const t = RuntimeTenantBinding.onboard({ id: 'acme', displayName: ' Acme Corp ', isolationMode: 'siloed', quotas }, T0);
      const [event] = t.pullEvents();
      expect(event.name).toBe('TenantOnboarded');
      expect(event.payload).toEqual({ displayName: 'Acme Corp', isolationMode: 'siloed', placement: placementFor('acme', 'siloed'), quotas });
      expect(t.snapshot().state).toBe('active');
      expect(t.isNew).toBe(true);
    });

    it('gives a siloed tenant a dedicated placement, a pooled one a stable pool slot and a shared one tenant labels', () => {
      expect(placementFor('acme', 'siloed')).toMatchObject({ model: 'dedicated', cluster: 'silo-acme', dataStore: 'db-acme' });
      const pooled = placementFor('acme', 'pooled');
      expect(pooled.model).toBe('pool');
      expect(placementFor('acme', 'pooled')).toEqual(pooled);
      expect(pooled.dataStore).toMatch(/^pool-[0-3]\/tenant_acme$/);
      expect(placementFor('acme', 'shared')).toMatchObject({ model: 'shared', cluster: 'shared', labels: { 'rcp.dev/tenant': 'acme' } });
    });

    it.each([
      ['zero', { ...quotas, maxEnvironments: 0 }],
      ['negative', { ...quotas, maxTotalReplicas: -1 }],
      ['fractional', { ...quotas, maxReplicasPerService: 1.5 }],
      ['unbounded', { ...quotas, maxEnvironments: 1_000_000 }],
      ['per-service above total', { ...quotas, maxReplicasPerService: 60 }],
    ])('refuses %s quotas', (_, bad) => {
      expect(codeOf(() => RuntimeTenantBinding.onboard({ id: 'acme', displayName: 'Acme', isolationMode: 'shared', quotas: bad }, T0))).toBe('validation_failed');
    });

    it('refuses an id that is not a slug and an empty display name', () => {
      expect(codeOf(() => RuntimeTenantBinding.onboard({ id: 'Acme_Corp', displayName: 'Acme', isolationMode: 'shared', quotas }, T0))).toBe('validation_failed');
      expect(codeOf(() => RuntimeTenantBinding.onboard({ id: 'acme', displayName: '   ', isolationMode: 'shared', quotas }, T0))).toBe('validation_failed');
    });
  });

  describe('quotas', () => {
    it('records TenantQuotasChanged with the previous quotas', () => {
      const t = aTenant().build();
      const before = t.quotas;
      const result = t.changeQuotas({ ...before, maxEnvironments: 8 }, NO_USAGE, later);
      expect(result).toEqual({ overQuota: false, exceeded: [] });
      const [event] = t.pullEvents();
      expect(event.name).toBe('TenantQuotasChanged');
      expect(event.payload).toEqual({ quotas: { ...before, maxEnvironments: 8 }, previous: before });
    });

    it('allows lowering a quota below current usage and reports the tenant over quota', () => {
      const t = aTenant().withQuotas({ maxEnvironments: 5 }).build();
      const usage = { environments: 4, servicesPerEnvironment: 2, replicasPerService: 3, totalReplicas: 12 };
      const result = t.changeQuotas({ ...t.quotas, maxEnvironments: 2 }, usage, later);
      expect(result).toEqual({ overQuota: true, exceeded: ['maxEnvironments'] });
      expect(t.isOverQuota(usage)).toBe(true);
      expect(t.pullEvents()).toHaveLength(1);
    });

    it('records nothing when the quotas do not change', () => {
      const t = aTenant().build();
      t.changeQuotas(t.quotas, NO_USAGE, later);
      expect(t.pullEvents()).toHaveLength(0);
    });
  });

  describe('isolation', () => {
    it('changes mode and placement while the tenant has no live environments', () => {
      const t = aTenant().isolation('pooled').build();
      t.changeIsolation('siloed', 0, later);
      const [event] = t.pullEvents();
      expect(event.name).toBe('TenantIsolationChanged');
      expect(event.payload).toMatchObject({ isolationMode: 'siloed', previousMode: 'pooled', placement: { model: 'dedicated' } });
      expect(t.snapshot().placement.cluster).toBe('silo-acme');
    });

    it('refuses to change mode while environments are live (precondition_failed with a reason)', () => {
      const t = aTenant().build();
      try {
        t.changeIsolation('siloed', 2, later);
        throw new Error('expected a refusal');
      } catch (err) {
        expect((err as DomainError).code).toBe('precondition_failed');
        expect((err as DomainError).details.reasons).toEqual(['2 live environment(s) must be decommissioned first']);
      }
      expect(t.pullEvents()).toHaveLength(0);
    });
  });

  describe('lifecycle', () => {
    it('goes active → suspended → active', () => {
      const t = aTenant().build();
      t.suspend('unpaid invoice', later);
      expect(t.state).toBe('suspended');
      t.reactivate(null, later);
      expect(t.state).toBe('active');
      expect(t.pullEvents().map((e) => e.name)).toEqual(['TenantSuspended', 'TenantReactivated']);
    });

    it('offboards from active or suspended, and nothing leaves offboarded', () => {
      const fromSuspended = aTenant().suspended().build();
      fromSuspended.offboard('contract ended', later);
      expect(fromSuspended.pullEvents().map((e) => e.name)).toEqual(['TenantOffboarded']);
      const off = aTenant().offboarded().build();
      expect(codeOf(() => off.reactivate(null, later))).toBe('invalid_state_transition');
      expect(codeOf(() => off.suspend(null, later))).toBe('invalid_state_transition');
      expect(codeOf(() => off.offboard(null, later))).toBe('invalid_state_transition');
      expect(codeOf(() => off.changeQuotas(off.quotas, NO_USAGE, later))).toBe('invalid_state_transition');
      expect(codeOf(() => off.rename('New', later))).toBe('invalid_state_transition');
      expect(codeOf(() => off.changeIsolation('shared', 0, later))).toBe('invalid_state_transition');
      expect(off.pullEvents()).toHaveLength(0);
    });

    it('refuses to suspend a suspended tenant or reactivate an active one', () => {
      expect(codeOf(() => aTenant().suspended().build().suspend(null, later))).toBe('invalid_state_transition');
      expect(codeOf(() => aTenant().build().reactivate(null, later))).toBe('invalid_state_transition');
    });
  });
});
