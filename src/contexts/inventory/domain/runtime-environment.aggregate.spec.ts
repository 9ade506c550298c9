import { DomainError } from '@rcp/ddd';
import { EnvironmentPlacement, shortenDnsLabel } from './placement.value-object';
import { MAX_OPERATION_ATTEMPTS } from './provisioning-policy';
import { RequestEnvironmentInput, RuntimeEnvironment } from './runtime-environment.aggregate';
import { ENV_ID, T0, aTenantTerms, anEnvironment } from './runtime-environment.mother';

const later = new Date('2026-01-01T00:05:00Z');
const input: RequestEnvironmentInput = { id: ENV_ID, tenantId: 'acme', projectId: 'web', name: 'web-staging', type: 'staging', region: 'eu-west-1' };

function errorOf(fn: () => unknown): DomainError | undefined {
  try {
    fn();
  } catch (err) {
    return err as DomainError;
  }
  return undefined;
}
const codeOf = (fn: () => unknown) => errorOf(fn)?.code;
const names = (env: RuntimeEnvironment) => env.pullEvents().map((e) => e.name);

describe('RuntimeEnvironment', () => {
  describe('requesting', () => {
    it('records EnvironmentRequested with the placement derived from the tenant\'s isolation placement', () => {
      const env = RuntimeEnvironment.request({ ...input, labels: { team: 'payments' } }, aTenantTerms().build(), 0, T0);
      const [event] = env.pullEvents();
      expect(event.name).toBe('EnvironmentRequested');
      expect(event.payload).toEqual({
        tenantId: 'acme',
        projectId: 'web',
        name: 'web-staging',
        type: 'staging',
        region: 'eu-west-1',
        labels: { team: 'payments' },
        placement: { model: 'pool', cluster: 'pool-2', namespace: 'acme-web-web-staging', dataStore: 'pool-2/tenant_acme' },
      });
      expect(env.snapshot()).toMatchObject({ state: 'requested', round: 1, attempts: 0, failureReason: null, operation: null });
      expect(env.isNew).toBe(true);
    });

    it('puts a shared tenant\'s namespace under its own tenant id, so two tenants never share one', () => {
      const a = RuntimeEnvironment.request(input, aTenantTerms().shared().build(), 0, T0).snapshot().placement;
      const b = RuntimeEnvironment.request({ ...input, tenantId: 'globex' }, aTenantTerms().withId('globex').shared().build(), 0, T0).snapshot().placement;
      expect(a).toEqual({ model: 'shared', cluster: 'shared', namespace: 'shared-acme-web-web-staging', dataStore: 'shared' });
      expect(b.namespace).toBe('shared-globex-web-web-staging');
    });

    it('shortens a namespace over 63 characters deterministically and keeps it a DNS label', () => {
      const long = EnvironmentPlacement.derive('a'.repeat(40), aTenantTerms().withId('a'.repeat(40)).build().placement, 'p'.repeat(30), 'n'.repeat(30)).value.namespace;
      expect(long).toHaveLength(63);
      expect(long).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
      expect(shortenDnsLabel(`${'a'.repeat(40)}-${'p'.repeat(30)}-${'n'.repeat(30)}`)).toBe(long);
    });

    it.each([
      ['a bad projectId', { projectId: 'Web_App' }, 'projectId'],
      ['a name that is not a DNS label', { name: 'Web.Staging' }, 'name'],
      ['a name ending in a dash', { name: 'web-' }, 'name'],
      ['an unknown type', { type: 'qa' as never }, 'type'],
      ['a bad region', { region: 'EU West' }, 'region'],
      ['too many labels', { labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 'labels'],
      ['a bad label key', { labels: { 'bad key': 'v' } }, 'labels.bad key'],
      ['a label value over 63 characters', { labels: { team: 'x'.repeat(64) } }, 'labels.team'],
    ])('refuses %s (validation_failed naming the field)', (_, patch, field) => {
      const err = errorOf(() => RuntimeEnvironment.request({ ...input, ...patch }, aTenantTerms().build(), 0, T0));
      expect(err?.code).toBe('validation_failed');
      expect(err?.details.field).toBe(field);
    });

    it('refuses a tenant inventory has not seen onboarded (precondition_failed with a reason)', () => {
      const err = errorOf(() => RuntimeEnvironment.request(input, null, 0, T0));
      expect(err?.code).toBe('precondition_failed');
      expect(err?.details.reasons).toEqual(['tenant acme is not onboarded (or its onboarding has not reached inventory yet)']);
    });

    it('refuses a suspended or offboarded tenant', () => {
      expect(codeOf(() => RuntimeEnvironment.request(input, aTenantTerms().suspended().build(), 0, T0))).toBe('tenant_suspended');
      expect(codeOf(() => RuntimeEnvironment.request(input, aTenantTerms().offboarded().build(), 0, T0))).toBe('tenant_offboarded');
    });

    it('refuses a request beyond maxEnvironments (quota_exceeded) and allows the last one within it', () => {
      const tenant = aTenantTerms().withQuotas({ maxEnvironments: 2 }).build();
      expect(RuntimeEnvironment.request(input, tenant, 1, T0).state).toBe('requested');
      const err = errorOf(() => RuntimeEnvironment.request(input, tenant, 2, T0));
      expect(err?.code).toBe('quota_exceeded');
      expect(err?.details).toEqual({ quota: 'maxEnvironments', limit: 2, requested: 3 });
    });
  });

  describe('provisioning', () => {
    it('goes requested → provisioning on the first attempt and records the attempt and operation', () => {
      const env = anEnvironment().build();
      expect(env.awaitsProvisioningAttempt).toBe(true);
      expect(env.startProvisioningAttempt('op-1', later)).toEqual({ firstOfRound: true, attempt: 1 });
      const [event] = env.pullEvents();
      expect(event.name).toBe('EnvironmentProvisioningStarted');
      expect(event.payload).toEqual({ tenantId: 'acme', projectId: 'web', attempt: 1, operationId: 'op-1' });
      expect(env.snapshot()).toMatchObject({ state: 'provisioning', attempts: 1, operation: { id: 'op-1', kind: 'provision', attempt: 1 }, provisioningStartedAt: later });
    });

    it('refuses a second attempt while one is in flight', () => {
      const env = anEnvironment().provisioning().build();
      expect(env.awaitsProvisioningAttempt).toBe(false);
      expect(codeOf(() => env.startProvisioningAttempt('op-2', later))).toBe('invalid_state_transition');
    });

    it('becomes ready when the operation in flight succeeds', () => {
      const env = anEnvironment().provisioning().build();
      expect(env.completeOperation('op-1', { succeeded: true }, later)).toEqual({ applied: true, next: 'none', attempt: 1 });
      const [event] = env.pullEvents();
      expect(event.name).toBe('EnvironmentReady');
      expect(event.payload).toMatchObject({ name: 'web-staging', type: 'staging', region: 'eu-west-1', placement: { cluster: 'pool-2' } });
      expect(env.snapshot()).toMatchObject({ state: 'ready', readyAt: later, operation: null });
      expect(env.acceptsActualState).toBe(true);
    });

    it('ignores the outcome of an operation that is not in flight (replayed, superseded or unknown)', () => {
      const env = anEnvironment().provisioning().build();
      const result = env.completeOperation('op-9', { succeeded: true }, later);
      expect(result.applied).toBe(false);
      expect(env.pullEvents()).toHaveLength(0);
      env.completeOperation('op-1', { succeeded: true }, later);
      env.pullEvents();
      expect(env.completeOperation('op-1', { succeeded: true }, later).applied).toBe(false);
      expect(env.pullEvents()).toHaveLength(0);
    });

    it('retries a failed attempt under a new operation, then fails for good with an actionable reason', () => {
      const env = anEnvironment().provisioning().build();
      expect(env.completeOperation('op-1', { succeeded: false, reason: 'subnet exhausted' }, later)).toEqual({ applied: true, next: 'retry-provisioning', attempt: 1 });
      expect(env.pullEvents().map((e) => [e.name, (e.payload as { willRetry?: boolean }).willRetry])).toEqual([['EnvironmentProvisioningAttemptFailed', true]]);
      expect(env.snapshot()).toMatchObject({ state: 'provisioning', operation: null, lastError: 'subnet exhausted' });
      expect(env.awaitsProvisioningAttempt).toBe(true);
      for (let a = 2; a <= MAX_OPERATION_ATTEMPTS; a++) {
        expect(env.startProvisioningAttempt(`op-${a}`, later)).toEqual({ firstOfRound: false, attempt: a });
        const result = env.completeOperation(`op-${a}`, { succeeded: false, reason: 'subnet exhausted' }, later);
        expect(result).toMatchObject({ applied: true, next: a < MAX_OPERATION_ATTEMPTS ? 'retry-provisioning' : 'none' });
      }
      const events = env.pullEvents();
      expect(events.map((e) => e.name).slice(-2)).toEqual(['EnvironmentProvisioningAttemptFailed', 'EnvironmentProvisioningFailed']);
      expect(events[events.length - 1].payload).toMatchObject({ attempts: MAX_OPERATION_ATTEMPTS });
      expect(env.snapshot()).toMatchObject({
        state: 'failed',
        failureReason: `Provisioning failed after ${MAX_OPERATION_ATTEMPTS} attempt(s): subnet exhausted. Fix the cause, then retry the environment or decommission it`,
      });
    });

    it('times out a provisioning round that is still running, and only that round', () => {
      const env = anEnvironment().provisioning().build();
      const round = env.snapshot().provisioningStartedAt!.toISOString();
      expect(env.timeOutProvisioning('2025-12-31T00:00:00.000Z', 60, later)).toEqual({ timedOut: false, next: 'none' });
      expect(env.timeOutProvisioning(round, 60, later)).toEqual({ timedOut: true, next: 'none' });
      expect(names(env)).toEqual(['EnvironmentProvisioningFailed']);
      expect(env.snapshot()).toMatchObject({ state: 'failed', operation: null });
      expect(env.snapshot().failureReason).toMatch(/^Provisioning did not finish within 60 s \(attempt 1 of 3\)/);
      expect(env.completeOperation('op-1', { succeeded: true }, later).applied).toBe(false);
      expect(env.timeOutProvisioning(round, 60, later).timedOut).toBe(false);
    });

    it('retries a failed environment as a new round that provisions again', () => {
      const env = anEnvironment().failed().build();
      env.retry(later);
      const [event] = env.pullEvents();
      expect(event.name).toBe('EnvironmentRetryRequested');
      expect(event.payload).toMatchObject({ round: 2, previousFailureReason: expect.stringMatching(/^Provisioning failed after 3 attempt/) });
      expect(env.snapshot()).toMatchObject({ state: 'requested', round: 2, attempts: 0, failureReason: null });
      expect(env.startProvisioningAttempt('op-r', later)).toEqual({ firstOfRound: true, attempt: 1 });
    });

    it.each([
      ['requested', () => anEnvironment()],
      ['provisioning', () => anEnvironment().provisioning()],
      ['ready', () => anEnvironment().ready()],
      ['decommissioning', () => anEnvironment().decommissioning()],
      ['decommissioned', () => anEnvironment().decommissioned()],
    ])('refuses to retry an environment that is %s', (_, builder) => {
      expect(codeOf(() => builder().build().retry(later))).toBe('invalid_state_transition');
    });
  });

  describe('decommissioning', () => {
    it('goes ready → decommissioning → decommissioned through a decommission operation', () => {
      const env = anEnvironment().ready().build();
      expect(env.decommission('no longer needed', later)).toBe('started');
      expect(env.pullEvents().map((e) => [e.name, e.payload])).toEqual([['EnvironmentDecommissioning', { tenantId: 'acme', projectId: 'web', reason: 'no longer needed' }]]);
      expect(env.awaitsDecommissioningAttempt).toBe(true);
      expect(env.startDecommissioningAttempt('op-d1', later)).toEqual({ attempt: 1 });
      expect(env.completeOperation('op-d1', { succeeded: true }, later)).toEqual({ applied: true, next: 'none', attempt: 1 });
      expect(names(env)).toEqual(['EnvironmentDecommissioningAttemptStarted', 'EnvironmentDecommissioned']);
      expect(env.snapshot()).toMatchObject({ state: 'decommissioned', decommissionedAt: later });
    });

    it('decommissions a failed environment', () => {
      const env = anEnvironment().failed().build();
      expect(env.decommission('give up', later)).toBe('started');
      expect(env.snapshot()).toMatchObject({ state: 'decommissioning', failureReason: null });
    });

    it('refuses a user\'s decommission while provisioning or already going away (invalid_state_transition)', () => {
      for (const b of [anEnvironment(), anEnvironment().provisioning(), anEnvironment().decommissioning(), anEnvironment().decommissioned()]) {
        const env = b.build();
        expect(codeOf(() => env.decommission('x', later))).toBe('invalid_state_transition');
        expect(env.pullEvents()).toHaveLength(0);
      }
    });

    it('retries a failed decommission attempt, then fails with a reason that says to decommission again', () => {
      const env = anEnvironment().decommissioningInFlight().build();
      expect(env.completeOperation('op-d1', { succeeded: false, reason: 'namespace stuck terminating' }, later)).toMatchObject({ next: 'retry-decommissioning' });
      for (let a = 2; a <= MAX_OPERATION_ATTEMPTS; a++) {
        env.startDecommissioningAttempt(`op-d${a}`, later);
        env.completeOperation(`op-d${a}`, { succeeded: false, reason: 'namespace stuck terminating' }, later);
      }
      expect(names(env).slice(-1)).toEqual(['EnvironmentDecommissioningFailed']);
      expect(env.snapshot()).toMatchObject({ state: 'failed', failureReason: expect.stringMatching(/^Decommissioning failed after 3 attempt\(s\): namespace stuck terminating/) });
      expect(env.decommission('again', later)).toBe('started');
    });

    describe('asked for by the system (tenant offboarded)', () => {
      it('decommissions a requested environment at once: nothing was built yet', () => {
        const env = anEnvironment().build();
        expect(env.decommission('tenant offboarded', later, { whenSettled: true })).toBe('decommissioned');
        expect(names(env)).toEqual(['EnvironmentDecommissioning', 'EnvironmentDecommissioned']);
        expect(env.awaitsProvisioningAttempt).toBe(false);
      });

      it('defers while provisioning and starts as soon as provisioning settles', () => {
        const env = anEnvironment().provisioning().build();
        expect(env.decommission('tenant offboarded', later, { whenSettled: true })).toBe('deferred');
        expect(env.decommission('tenant offboarded', later, { whenSettled: true })).toBe('unchanged');
        expect(env.state).toBe('provisioning');
        expect(env.completeOperation('op-1', { succeeded: true }, later)).toEqual({ applied: true, next: 'start-decommissioning', attempt: 1 });
        expect(names(env)).toEqual(['EnvironmentDecommissionDeferred', 'EnvironmentReady', 'EnvironmentDecommissioning']);
        expect(env.snapshot()).toMatchObject({ state: 'decommissioning', decommissionReason: 'tenant offboarded', decommissionPending: false });
      });

      it('does not retry a failed attempt when a decommission is pending', () => {
        const env = anEnvironment().provisioning().build();
        env.decommission('tenant offboarded', later, { whenSettled: true });
        expect(env.completeOperation('op-1', { succeeded: false, reason: 'boom' }, later)).toMatchObject({ next: 'start-decommissioning' });
        expect(names(env)).toEqual(['EnvironmentDecommissionDeferred', 'EnvironmentProvisioningAttemptFailed', 'EnvironmentProvisioningFailed', 'EnvironmentDecommissioning']);
      });

      it('leaves environments that are already going away as they are', () => {
        expect(anEnvironment().decommissioning().build().decommission('x', later, { whenSettled: true })).toBe('unchanged');
        expect(anEnvironment().decommissioned().build().decommission('x', later, { whenSettled: true })).toBe('unchanged');
      });
    });
  });

  it('round-trips through its snapshot', () => {
    const env = anEnvironment().awaitingRetry().build();
    const copy = RuntimeEnvironment.rehydrate(env.snapshot());
    expect(copy.snapshot()).toEqual(env.snapshot());
    expect(copy.pullEvents()).toHaveLength(0);
  });
});
