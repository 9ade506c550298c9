import { CommandBus } from '@nestjs/cqrs';
import { eventually, givenTenant, QUOTAS, startTestApp } from '@rcp/testing';
import { ChangeTenantLifecycleCommand } from '../../../src/contexts/tenancy/application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { UpdateTenantCommand } from '../../../src/contexts/tenancy/application/commands/update-tenant/update-tenant.command';
import { CompleteOperationCommand } from '../../../src/contexts/inventory/application/commands/complete-operation/complete-operation.command';
import { DecommissionEnvironmentCommand } from '../../../src/contexts/inventory/application/commands/decommission-environment/decommission-environment.command';
import { RetryEnvironmentCommand } from '../../../src/contexts/inventory/application/commands/retry-environment/retry-environment.command';
import { App, FAST_INVENTORY, as, envRow, eventTypes, operator, requestEnvironment, tenantAdmin, waitForState } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

describe('inventory: provisioning through the simulated provisioner (real Postgres, Redis, jobs and relay)', () => {
  let t: App;
  let commands: CommandBus;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_INVENTORY, PROVISION_TIMEOUT_SECONDS: '3' });
    commands = t.app.get(CommandBus);
    await givenTenant(t, { id: 'acme' });
  });
  afterAll(() => t.close());

  it('provisions a requested environment to ready and publishes its lifecycle in order', async () => {
    const { environment, jobId } = await requestEnvironment(t, 'acme', { name: 'happy' });
    expect(environment).toMatchObject({ state: 'requested', version: 1, placement: { model: 'pool', namespace: 'acme-web-happy' } });
    const [job] = await t.ds.query(`SELECT name, target_id, tenant_id FROM platform.jobs WHERE id = $1`, [jobId]);
    expect(job).toEqual({ name: 'inventory.provision-environment', target_id: environment.id, tenant_id: 'acme' });

    const row = await waitForState(t, environment.id, 'ready');
    expect(row).toMatchObject({ failure_reason: null, attempts: 1, operation_id: null });
    expect(await eventTypes(t, environment.id)).toEqual(['environment-requested', 'environment-provisioning-started', 'environment-ready']);
    const jobs: Array<{ name: string; state: string }> = await t.ds.query(`SELECT name, state FROM platform.jobs WHERE target_id = $1 ORDER BY created_at`, [environment.id]);
    expect(jobs.filter((j) => j.name !== 'inventory.provisioning-timeout')).toEqual([
      { name: 'inventory.provision-environment', state: 'completed' },
      { name: 'inventory.dispatch-operation', state: 'completed' },
    ]);
    // The simulated data plane took the operation once and reported its outcome (marked once the control plane accepted it).
    const operations = await eventually(async () => {
      const rows = await t.asOwner(`SELECT kind, state, delivered_at IS NOT NULL AS reported FROM simulator.operations WHERE environment_id = $1`, [environment.id]);
      return rows.every((r: { reported: boolean }) => r.reported) ? rows : undefined;
    });
    expect(operations).toEqual([{ kind: 'provision', state: 'succeeded', reported: true }]);
  });

  it('fails after 3 attempts with a reason a user can act on when the label asks the provisioner to fail', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'doomed', labels: { 'rcp.dev/simulate-failure': 'provision' } });
    const row = await waitForState(t, environment.id, 'failed');
    expect(row.attempts).toBe(3);
    expect(row.failure_reason).toBe(
      'Provisioning failed after 3 attempt(s): the simulated provisioner failed provisioning on request (label rcp.dev/simulate-failure=provision). ' +
        'Fix the cause, then retry the environment or decommission it',
    );
    expect(await eventTypes(t, environment.id)).toEqual([
      'environment-requested',
      ...Array(2).fill(['environment-provisioning-started', 'environment-provisioning-attempt-failed']).flat(),
      'environment-provisioning-started',
      'environment-provisioning-attempt-failed',
      'environment-provisioning-failed',
    ]);
    const [failed] = await t.ds.query(`SELECT envelope FROM platform.event_log WHERE aggregate_id = $1 AND type = 'rcp.inventory.environment-provisioning-failed.v1'`, [environment.id]);
    expect(failed.envelope).toMatchObject({ tenantid: 'acme', projectid: 'web', subject: environment.id, data: { attempts: 3, reason: row.failure_reason } });
  });

  it('recovers by itself when only the first attempt fails', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'flaky', labels: { 'rcp.dev/simulate-failure': 'provision-once' } });
    expect(await waitForState(t, environment.id, 'ready')).toMatchObject({ attempts: 2 });
    expect(await eventTypes(t, environment.id)).toEqual([
      'environment-requested',
      'environment-provisioning-started',
      'environment-provisioning-attempt-failed',
      'environment-provisioning-started',
      'environment-ready',
    ]);
  });

  it('retries a failed environment as a new round that ends ready', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'second-chance', labels: { 'rcp.dev/simulate-failure': 'provision-until-retry' } });
    const failed = await waitForState(t, environment.id, 'failed');
    const retried = await as(tenantAdmin('acme'), () => commands.execute(new RetryEnvironmentCommand(environment.id, failed.version)));
    expect(retried.environment).toMatchObject({ state: 'requested', round: 2, attempts: 0, failureReason: null });
    expect(retried.jobId).toEqual(expect.any(String));
    expect(await waitForState(t, environment.id, 'ready')).toMatchObject({ round: 2, attempts: 1, failure_reason: null });
    const types = await eventTypes(t, environment.id);
    expect(types.slice(-3)).toEqual(['environment-retry-requested', 'environment-provisioning-started', 'environment-ready']);
  });

  it('fails a round that does not finish within PROVISION_TIMEOUT_SECONDS, and ignores the late outcome', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'slow', labels: { 'rcp.dev/simulate-latency-ms': '60000' } });
    const provisioning = await waitForState(t, environment.id, 'provisioning');
    const operationId = provisioning.operation_id!;
    const failed = await waitForState(t, environment.id, 'failed', 10_000);
    expect(failed.failure_reason).toBe('Provisioning did not finish within 3 s (attempt 1 of 3). Check the provisioner, then retry the environment or decommission it');
    expect(failed.operation_id).toBeNull();
    const late = await as(operator, () => commands.execute(new CompleteOperationCommand(operationId, { succeeded: true }, { via: 'simulated' })));
    expect(late).toMatchObject({ applied: false, reason: expect.stringContaining('is not in progress') });
    expect((await envRow(t, environment.id)).state).toBe('failed');
    expect((await eventTypes(t, environment.id)).slice(-1)).toEqual(['environment-provisioning-failed']);
  });

  it('decommissions a ready environment through the provisioner', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'short-lived' });
    const ready = await waitForState(t, environment.id, 'ready');
    const result = await as(tenantAdmin('acme'), () =>
      commands.execute(new DecommissionEnvironmentCommand({ environmentId: environment.id, reason: 'done', expectedVersion: ready.version })),
    );
    expect(result).toMatchObject({ outcome: 'started', environment: { state: 'decommissioning' }, jobId: expect.any(String) });
    await waitForState(t, environment.id, 'decommissioned');
    expect((await eventTypes(t, environment.id)).slice(-2)).toEqual(['environment-decommissioning', 'environment-decommissioned']);
  });

  it('ends failed with a reason when tearing down keeps failing, and can be decommissioned again', async () => {
    const { environment } = await requestEnvironment(t, 'acme', { name: 'sticky', labels: { 'rcp.dev/simulate-failure': 'decommission' } });
    await waitForState(t, environment.id, 'ready');
    await as(tenantAdmin('acme'), () => commands.execute(new DecommissionEnvironmentCommand({ environmentId: environment.id, reason: 'done' })));
    const failed = await waitForState(t, environment.id, 'failed');
    expect(failed.failure_reason).toMatch(/^Decommissioning failed after 3 attempt\(s\): the simulated provisioner failed decommissioning on request/);
    expect((await eventTypes(t, environment.id)).slice(-1)).toEqual(['environment-decommissioning-failed']);
    const again = await as(tenantAdmin('acme'), () => commands.execute(new DecommissionEnvironmentCommand({ environmentId: environment.id, reason: 'try again' })));
    expect(again).toMatchObject({ outcome: 'started', environment: { state: 'decommissioning', failureReason: null } });
  });

  describe('the tenant\'s terms, as inventory learns them from tenancy\'s events', () => {
    it('refuses a suspended tenant in the command itself, not only at the API gate', async () => {
      await givenTenant(t, { id: 'paused' });
      await as(operator, () => commands.execute(new ChangeTenantLifecycleCommand('paused', 'suspend', 'unpaid')));
      await eventually(async () => (await t.ds.query(`SELECT state FROM inventory.tenants WHERE tenant_id = 'paused'`))[0].state === 'suspended');
      await expect(requestEnvironment(t, 'paused', { name: 'nope' })).rejects.toMatchObject({ code: 'tenant_suspended' });
      await as(operator, () => commands.execute(new ChangeTenantLifecycleCommand('paused', 'reactivate', null)));
      await eventually(async () => (await t.ds.query(`SELECT state FROM inventory.tenants WHERE tenant_id = 'paused'`))[0].state === 'active');
      expect((await requestEnvironment(t, 'paused', { name: 'yes' })).environment.state).toBe('requested');
    });

    it('gives the last environment of the quota to exactly one of two concurrent requests', async () => {
      await givenTenant(t, { id: 'racy', quotas: { maxEnvironments: 1 } });
      const results = await Promise.allSettled([requestEnvironment(t, 'racy', { name: 'left' }), requestEnvironment(t, 'racy', { name: 'right' })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'quota_exceeded' });
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM inventory.environments WHERE tenant_id = 'racy'`);
      expect(n).toBe(1);
    });

    it('lets a tenant grow once a raised quota reached inventory', async () => {
      await givenTenant(t, { id: 'growing', quotas: { maxEnvironments: 1 } });
      await requestEnvironment(t, 'growing', { name: 'first' });
      await expect(requestEnvironment(t, 'growing', { name: 'second' })).rejects.toMatchObject({ code: 'quota_exceeded' });
      await as(operator, () => commands.execute(new UpdateTenantCommand('growing', { quotas: { ...QUOTAS, maxEnvironments: 2 } })));
      await eventually(async () => (await t.ds.query(`SELECT quotas FROM inventory.tenants WHERE tenant_id = 'growing'`))[0].quotas.maxEnvironments === 2);
      expect((await requestEnvironment(t, 'growing', { name: 'second' })).environment.state).toBe('requested');
    });
  });

  it('decommissions every environment of an offboarded tenant, one still provisioning as soon as it settles', async () => {
    await givenTenant(t, { id: 'leaving' });
    const { environment: ready } = await requestEnvironment(t, 'leaving', { name: 'ready-one' });
    await waitForState(t, ready.id, 'ready');
    const { environment: busy } = await requestEnvironment(t, 'leaving', { name: 'busy-one', labels: { 'rcp.dev/simulate-latency-ms': '1500' } });
    await waitForState(t, busy.id, 'provisioning');

    await as(operator, () => commands.execute(new ChangeTenantLifecycleCommand('leaving', 'offboard', 'contract ended')));
    await waitForState(t, ready.id, 'decommissioned');
    const pending = await eventually(async () => {
      const [r] = await t.ds.query(`SELECT state, decommission_pending, decommission_reason FROM inventory.environments WHERE id = $1`, [busy.id]);
      return r.decommission_pending ? r : undefined;
    });
    expect(pending).toEqual({ state: 'provisioning', decommission_pending: true, decommission_reason: 'tenant leaving was offboarded: contract ended' });
    await waitForState(t, busy.id, 'decommissioned');
    expect(await eventTypes(t, busy.id)).toEqual([
      'environment-requested',
      'environment-provisioning-started',
      'environment-ready',
      'environment-decommissioning',
      'environment-decommissioned',
    ]);
    const [tenant] = await t.ds.query(`SELECT state FROM inventory.tenants WHERE tenant_id = 'leaving'`);
    expect(tenant.state).toBe('offboarded');
    const audit = await t.ds.query(`SELECT actor FROM platform.audit_log WHERE target_id = $1 AND action = 'environment.decommission'`, [ready.id]);
    expect(audit).toEqual([{ actor: 'system:DecommissionEnvironmentsOnTenantOffboardedHandler' }]);
  });
});
