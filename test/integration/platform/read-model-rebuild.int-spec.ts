import { CommandBus } from '@nestjs/cqrs';
import { EventCatalogue, ReadModelRebuilder } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { eventually, givenTenant, startTestApp } from '@rcp/testing';
import { ChangeTenantLifecycleCommand } from '../../../src/contexts/tenancy/application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { UpdateTenantCommand } from '../../../src/contexts/tenancy/application/commands/update-tenant/update-tenant.command';
import { DecommissionEnvironmentCommand } from '../../../src/contexts/inventory/application/commands/decommission-environment/decommission-environment.command';
import { ProjectTenantOnTenancyEventsHandler } from '../../../src/contexts/inventory/application/event-handlers/project-tenant-on-tenancy-events.handler';
import { ReportActualStateCommand } from '../../../src/contexts/inventory/application/commands/report-actual-state/report-actual-state.command';
import { App, FAST_INVENTORY, as, operator, requestEnvironment, tenantAdmin, waitForState } from '../inventory/inventory-fixtures';

jest.setTimeout(60_000);

/**
 * The projection kit (libs/messaging/src/projection.ts) seen from outside: both read models of the two
 * contexts, kept from events and rebuilt from `platform.event_log`.
 */
describe('read models: projections and their rebuild from the event log', () => {
  let t: App;
  const TENANTS_SQL = `SELECT tenant_id, state, isolation_mode, placement, quotas, source_version FROM inventory.tenants WHERE tenant_id LIKE 'rm-%' ORDER BY tenant_id`;
  const ENV_USAGE_SQL = `SELECT environment_id, tenant_id, project_id, live, source_version FROM tenancy.environment_usage WHERE tenant_id LIKE 'rm-%' ORDER BY environment_id`;
  const SERVICE_USAGE_SQL = `SELECT environment_id, service, tenant_id, replicas, source_version FROM tenancy.service_usage WHERE tenant_id LIKE 'rm-%' ORDER BY environment_id, service`;
  const snapshot = async () => ({
    tenants: await t.asOwner(TENANTS_SQL),
    environments: await t.asOwner(ENV_USAGE_SQL),
    services: await t.asOwner(SERVICE_USAGE_SQL),
  });
  const rebuilder = () => t.app.get(ReadModelRebuilder);
  let settled: Awaited<ReturnType<typeof snapshot>>;

  /** Every delivery of the read models' handlers done: the read models reflect the whole log. */
  const caughtUp = () =>
    eventually(async () => (await t.asOwner(`SELECT count(*)::int AS n FROM platform.outbox_events`))[0].n === 0 && (await t.asOwner(`SELECT count(*)::int AS n FROM platform.event_deliveries`))[0].n === 0, 20_000);

  beforeAll(async () => {
    t = await startTestApp(FAST_INVENTORY);
    // History: two tenants, one suspended; three environments, one decommissioned; services reported, one changed, one removed.
    await givenTenant(t, { id: 'rm-a', quotas: { maxEnvironments: 5 } });
    await givenTenant(t, { id: 'rm-b' });
    await as(operator, () => t.app.get(CommandBus).execute(new ChangeTenantLifecycleCommand('rm-b', 'suspend', 'unpaid')));
    const e1 = (await requestEnvironment(t, 'rm-a', { name: 'one' })).environment.id;
    const e2 = (await requestEnvironment(t, 'rm-a', { name: 'two' })).environment.id;
    await waitForState(t, e1, 'ready');
    await waitForState(t, e2, 'ready');
    const report = (services: Array<[string, number]>) => ({
      observedAt: new Date(),
      services: services.map(([name, replicas]) => ({ name, image: `img/${name}:1`, replicas, readyReplicas: replicas, configChecksum: null })),
    });
    const bus = t.app.get(CommandBus);
    await as(tenantAdmin('rm-a'), () => bus.execute(new ReportActualStateCommand(e1, report([['api', 2], ['web', 3]]))));
    await as(tenantAdmin('rm-a'), () => bus.execute(new ReportActualStateCommand(e1, report([['api', 4]]))));
    await as(tenantAdmin('rm-a'), () => bus.execute(new ReportActualStateCommand(e2, report([['worker', 1]]))));
    await as(tenantAdmin('rm-a'), () => bus.execute(new DecommissionEnvironmentCommand({ environmentId: e2, reason: 'done' })));
    await waitForState(t, e2, 'decommissioned');
    await caughtUp();
    settled = await snapshot();
  });
  afterAll(() => t.close());
  afterEach(() => t.asOwner(`DELETE FROM platform.event_log_pruned`));

  it('keeps each read model from the events, with the source version each row reflects', () => {
    expect(settled.tenants).toEqual([
      expect.objectContaining({ tenant_id: 'rm-a', state: 'active', quotas: expect.objectContaining({ maxEnvironments: 5 }), source_version: 1 }),
      expect.objectContaining({ tenant_id: 'rm-b', state: 'suspended', source_version: 2 }),
    ]);
    expect(settled.environments.map((r: { live: boolean }) => r.live).sort()).toEqual([false, true]);
    expect(settled.services).toEqual([expect.objectContaining({ service: 'api', replicas: 4, tenant_id: 'rm-a' })]);
  });

  it('ignores an event older than what a row reflects, and applies a redelivered one without change', async () => {
    // A tenant row at version 2 (suspended): replaying its onboarding (version 1) leaves it suspended.
    const [onboarded] = await t.asOwner(`SELECT position, envelope FROM platform.event_log WHERE type = 'rcp.tenancy.tenant-onboarded.v1' AND tenant_id = 'rm-b'`);
    const event = EventCatalogue.materialize(onboarded.envelope, Number(onboarded.position))!;
    await t.app.get(TransactionManager).run(() => t.app.get(ProjectTenantOnTenancyEventsHandler).handle(event), { tenantId: null, platform: true });
    expect(await t.asOwner(TENANTS_SQL)).toEqual(settled.tenants);
    expect(rebuilder().names()).toEqual(['access.environments', 'configuration.environments', 'deployment.configuration', 'deployment.environments', 'deployment.service-health', 'deployment.services', 'deployment.tenants', 'drift.environments', 'drift.releases', 'drift.services', 'drift.signals', 'health.environments', 'health.rollouts', 'health.services', 'health.tenants', 'inventory.tenants', 'tenancy.usage']);
  });

  it('rebuilds a damaged read model from the event log to exactly what the events said', async () => {
    await t.asOwner(`UPDATE inventory.tenants SET state = 'offboarded', quotas = '{}' WHERE tenant_id LIKE 'rm-%'`);
    await t.asOwner(`DELETE FROM tenancy.service_usage WHERE tenant_id LIKE 'rm-%'`);
    await t.asOwner(`UPDATE tenancy.environment_usage SET live = NOT live WHERE tenant_id LIKE 'rm-%'`);

    const tenants = await rebuilder().rebuild('inventory.tenants');
    const usage = await rebuilder().rebuild('tenancy.usage');

    expect(await snapshot()).toEqual(settled);
    const [{ n: tenantEvents }] = await t.asOwner(`SELECT count(*)::int AS n FROM platform.event_log WHERE type LIKE 'rcp.tenancy.%'`);
    expect(tenants).toEqual({ readModel: 'inventory.tenants', events: tenantEvents, throughPosition: expect.any(Number), prunedThrough: null });
    expect(usage.events).toBeGreaterThanOrEqual(2 + 2 + 3);
  });

  it('refuses to rebuild from a log that retention pruned, unless told to accept the loss', async () => {
    await t.asOwner(`INSERT INTO platform.event_log_pruned (tenant_id, through) VALUES ('*', 3)`);
    await expect(rebuilder().rebuild('inventory.tenants')).rejects.toMatchObject({ code: 'precondition_failed' });
    expect(await t.asOwner(TENANTS_SQL)).toEqual(settled.tenants);
    await expect(rebuilder().rebuild('inventory.tenants', { allowPruned: true })).resolves.toMatchObject({ prunedThrough: 3 });
  });

  it('leaves the read model as it was when the rebuild fails midway', async () => {
    await t.asOwner(`UPDATE inventory.tenants SET quotas = '{"marker": true}' WHERE tenant_id = 'rm-a'`);
    const before = await t.asOwner(TENANTS_SQL);
    // An event its projection cannot apply (no aggregate version to guard by), after the good ones.
    await t.asOwner(
      `INSERT INTO platform.event_log (position, id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope, recorded_at)
       SELECT max(position) + 1, gen_random_uuid(), 'rm-a', 'rcp.tenancy.tenant-suspended.v1', 'RuntimeTenantBinding', 'rm-a', 99,
              jsonb_build_object('id', gen_random_uuid(), 'type', 'rcp.tenancy.tenant-suspended.v1', 'source', 'test', 'subject', 'rm-a', 'data', jsonb_build_object('tenantId', 'rm-a')), now()
       FROM platform.event_log`,
    );
    try {
      await expect(rebuilder().rebuild('inventory.tenants', { batchSize: 2 })).rejects.toThrow(/no aggregate version/);
      expect(await t.asOwner(TENANTS_SQL)).toEqual(before);
    } finally {
      await t.asOwner(`DELETE FROM platform.event_log WHERE aggregate_version = 99 AND aggregate_id = 'rm-a'`);
      await rebuilder().rebuild('inventory.tenants');
    }
  });

  it('applies every event of one save, which share its version (isolation and quotas changed together)', async () => {
    await givenTenant(t, { id: 'rm-both' });
    await as(operator, () =>
      t.app.get(CommandBus).execute(
        new UpdateTenantCommand('rm-both', { isolationMode: 'siloed', quotas: { maxEnvironments: 7, maxServicesPerEnvironment: 4, maxReplicasPerService: 3, maxTotalReplicas: 12 } }),
      ),
    );
    const row = await eventually(async () => {
      const [r] = await t.asOwner(`SELECT isolation_mode, quotas, source_version FROM inventory.tenants WHERE tenant_id = 'rm-both'`);
      return r?.source_version === 2 && r.quotas.maxEnvironments === 7 ? r : undefined;
    });
    expect(row).toEqual({ isolation_mode: 'siloed', quotas: { maxEnvironments: 7, maxServicesPerEnvironment: 4, maxReplicasPerService: 3, maxTotalReplicas: 12 }, source_version: 2 });
    // A rebuild replays both as well.
    await t.asOwner(`UPDATE inventory.tenants SET quotas = '{}' WHERE tenant_id = 'rm-both'`);
    await rebuilder().rebuild('inventory.tenants');
    expect((await t.asOwner(`SELECT quotas FROM inventory.tenants WHERE tenant_id = 'rm-both'`))[0].quotas).toMatchObject({ maxEnvironments: 7 });
  });

  it('names no read model it does not have', async () => {
    await expect(rebuilder().rebuild('inventory.nothing')).rejects.toMatchObject({ code: 'not_found' });
  });
});
