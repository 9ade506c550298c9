import { EnvironmentType } from './environment-name.value-object';
import { MAX_OPERATION_ATTEMPTS } from './provisioning-policy';
import { RuntimeEnvironment } from './runtime-environment.aggregate';
import { TenantQuotas, TenantTerms } from './tenant-terms';

export const T0 = new Date('2026-01-01T00:00:00Z');
export const ENV_ID = '11111111-1111-4111-8111-111111111111';

/** Object mother for what inventory knows of a tenant: `aTenantTerms().suspended().build()`. */
export function aTenantTerms() {
  let tenantId = 'acme';
  let state: TenantTerms['state'] = 'active';
  let model: TenantTerms['placement']['model'] = 'pool';
  let quotas: TenantQuotas = { maxEnvironments: 5, maxServicesPerEnvironment: 3, maxReplicasPerService: 10, maxTotalReplicas: 100 };
  const b = {
    withId(v: string) {
      tenantId = v;
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
    shared() {
      model = 'shared';
      return b;
    },
    withQuotas(q: Partial<TenantQuotas>) {
      quotas = { ...quotas, ...q };
      return b;
    },
    build(): TenantTerms {
      const placement =
        model === 'shared'
          ? { model, cluster: 'shared', namespacePrefix: 'shared-', dataStore: 'shared', labels: {} }
          : { model, cluster: 'pool-2', namespacePrefix: `${tenantId}-`, dataStore: `pool-2/tenant_${tenantId}`, labels: {} };
      return { tenantId, state, placement, quotas };
    },
  };
  return b;
}

/**
 * Object mother for environments, driven through the real transitions so every built state is one the
 * aggregate can reach: `anEnvironment().ready().build()`, `anEnvironment().provisioning().build()`.
 * The result is persisted (no pending events); operation ids are `op-1`, `op-2`, ….
 */
export function anEnvironment() {
  let id = ENV_ID;
  let name = 'web-staging';
  let projectId = 'web';
  let type: EnvironmentType = 'staging';
  let labels: Record<string, string> = {};
  let tenant = aTenantTerms().build();
  let target: 'requested' | 'provisioning' | 'awaiting-retry' | 'ready' | 'failed' | 'decommissioning' | 'decommissioning-in-flight' | 'decommissioned' = 'requested';
  const b = {
    withId(v: string) {
      id = v;
      return b;
    },
    named(v: string) {
      name = v;
      return b;
    },
    inProject(v: string) {
      projectId = v;
      return b;
    },
    ofType(v: EnvironmentType) {
      type = v;
      return b;
    },
    withLabels(v: Record<string, string>) {
      labels = v;
      return b;
    },
    forTenant(terms: TenantTerms) {
      tenant = terms;
      return b;
    },
    /** Provisioning with attempt 1 (`op-1`) in flight. */
    provisioning() {
      target = 'provisioning';
      return b;
    },
    /** Provisioning, attempt 1 failed, waiting for attempt 2. */
    awaitingRetry() {
      target = 'awaiting-retry';
      return b;
    },
    ready() {
      target = 'ready';
      return b;
    },
    failed() {
      target = 'failed';
      return b;
    },
    decommissioning() {
      target = 'decommissioning';
      return b;
    },
    /** Decommissioning with its first attempt (`op-d1`) in flight. */
    decommissioningInFlight() {
      target = 'decommissioning-in-flight';
      return b;
    },
    decommissioned() {
      target = 'decommissioned';
      return b;
    },
    build(): RuntimeEnvironment {
      const env = RuntimeEnvironment.request({ id, tenantId: tenant.tenantId, projectId, name, type, region: 'eu-west-1', labels }, tenant, 0, T0);
      if (target !== 'requested') env.startProvisioningAttempt('op-1', T0);
      if (target === 'awaiting-retry') env.completeOperation('op-1', { succeeded: false, reason: 'quota of the cloud account reached' }, T0);
      if (target === 'failed') {
        env.completeOperation('op-1', { succeeded: false, reason: 'boom' }, T0);
        for (let a = 2; a <= MAX_OPERATION_ATTEMPTS; a++) {
          env.startProvisioningAttempt(`op-${a}`, T0);
          env.completeOperation(`op-${a}`, { succeeded: false, reason: 'boom' }, T0);
        }
      }
      if (['ready', 'decommissioning', 'decommissioning-in-flight', 'decommissioned'].includes(target)) env.completeOperation('op-1', { succeeded: true }, T0);
      if (['decommissioning', 'decommissioning-in-flight', 'decommissioned'].includes(target)) env.decommission('no longer needed', T0);
      if (['decommissioning-in-flight', 'decommissioned'].includes(target)) env.startDecommissioningAttempt('op-d1', T0);
      if (target === 'decommissioned') env.completeOperation('op-d1', { succeeded: true }, T0);
      env.pullEvents();
      env.markPersisted(1);
      return env;
    },
  };
  return b;
}
