import { RuntimeTenantBinding } from './runtime-tenant-binding.aggregate';
import { IsolationMode } from './placement';
import { QuotasProps } from './quotas.value-object';

export const T0 = new Date('2026-01-01T00:00:00Z');

/** Object mother for tenant bindings in tests: `aTenant().siloed().suspended().build()`. */
export function aTenant() {
  let id = 'acme';
  let mode: IsolationMode = 'pooled';
  let quotas: QuotasProps = { maxEnvironments: 5, maxServicesPerEnvironment: 20, maxReplicasPerService: 10, maxTotalReplicas: 100 };
  let state: 'active' | 'suspended' | 'offboarded' = 'active';
  const b = {
    withId(v: string) {
      id = v;
      return b;
    },
    isolation(m: IsolationMode) {
      mode = m;
      return b;
    },
    siloed() {
      mode = 'siloed';
      return b;
    },
    withQuotas(q: Partial<QuotasProps>) {
      quotas = { ...quotas, ...q };
      return b;
    },
    suspended() {
      state = 'suspended';
      return b;
    },
    offboarded() {
      state = 'offboarded';
      return b;
    },
    /** A persisted binding (version 1) with no pending events. */
    build(): RuntimeTenantBinding {
      const t = RuntimeTenantBinding.onboard({ id, displayName: `Tenant ${id}`, isolationMode: mode, quotas }, T0);
      if (state !== 'active') t.suspend(null, T0);
      if (state === 'offboarded') t.offboard(null, T0);
      t.pullEvents();
      t.markPersisted(1);
      return t;
    },
  };
  return b;
}
