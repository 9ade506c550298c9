import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@rcp/ddd';
import { OutboxWriter } from '@rcp/messaging';
import { RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { eventually, givenTenant, startTestApp, uniqueId } from '@rcp/testing';
import { ChangeTenantLifecycleCommand } from '../../../src/contexts/tenancy/application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { OnboardTenantCommand } from '../../../src/contexts/tenancy/application/commands/onboard-tenant/onboard-tenant.command';
import { UpdateTenantCommand } from '../../../src/contexts/tenancy/application/commands/update-tenant/update-tenant.command';
import { TenantBindingRepository, TenantUsageReader } from '../../../src/contexts/tenancy/domain/tenant-binding.repository';
import { EnvironmentDecommissionedV1, EnvironmentRequestedV1, ServiceObservedV1, ServiceRemovedV1 } from '../../../src/contexts/inventory/contracts';

type App = Awaited<ReturnType<typeof startTestApp>>;
const quotas = { maxEnvironments: 2, maxServicesPerEnvironment: 5, maxReplicasPerService: 4, maxTotalReplicas: 20 };
const asOperator = <T>(fn: () => Promise<T>) =>
  RequestContexts.run({ ...systemContext('test'), actor: { sub: 'ops', kind: 'user', tenantId: null, roles: ['platform:admin'] } }, fn);

describe('tenancy: repository and handlers on real Postgres', () => {
  let t: App;
  let commands: CommandBus;
  let tx: TransactionManager;
  let repo: TenantBindingRepository;

  beforeAll(async () => {
    t = await startTestApp();
    commands = t.app.get(CommandBus);
    tx = t.app.get(TransactionManager);
    repo = t.app.get(TenantBindingRepository);
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[] = []) => (await t.ds.query(sql, params))[0].n as number;
  /** A tenant of its own for each test, onboarded through the API: `Acme`, pooled, the quotas above. */
  const acme = async () => (await givenTenant(t, { displayName: 'Acme', quotas })).id;

  it('onboarding commits the binding, its outbox event and its audit row together', async () => {
    const id = uniqueId('acme');
    await asOperator(() => commands.execute(new OnboardTenantCommand({ id, displayName: 'Acme', isolationMode: 'pooled', quotas })));
    expect(await count(`SELECT count(*)::int AS n FROM tenancy.tenant_bindings WHERE id = $1 AND version = 1`, [id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM platform.audit_log WHERE target_id = $1 AND action = 'tenant.onboard' AND result = 'allowed'`, [id])).toBe(1);
    const events = await t.ds.query(
      `SELECT type FROM platform.outbox_events WHERE aggregate_id = $1 UNION ALL SELECT type FROM platform.event_log WHERE aggregate_id = $1`,
      [id],
    );
    expect(events).toEqual([{ type: 'rcp.tenancy.tenant-onboarded.v1' }]);
  });

  it('a refused command leaves no state, no event and no allowed audit row', async () => {
    const id = await acme();
    const before = await count(`SELECT (SELECT count(*) FROM platform.outbox_events) + (SELECT count(*) FROM platform.event_log) AS n`);
    await expect(
      asOperator(() => commands.execute(new OnboardTenantCommand({ id, displayName: 'Again', isolationMode: 'shared', quotas }))),
    ).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(asOperator(() => commands.execute(new ChangeTenantLifecycleCommand(id, 'reactivate', null)))).rejects.toMatchObject({
      code: 'invalid_state_transition',
    });
    expect(await count(`SELECT (SELECT count(*) FROM platform.outbox_events) + (SELECT count(*) FROM platform.event_log) AS n`)).toBe(before);
    expect(await count(`SELECT count(*)::int AS n FROM platform.audit_log WHERE target_id = $1 AND result = 'allowed'`, [id])).toBe(1);
    const [row] = await t.ds.query(`SELECT display_name, isolation_mode, version FROM tenancy.tenant_bindings WHERE id = $1`, [id]);
    expect(row).toEqual({ display_name: 'Acme', isolation_mode: 'pooled', version: 1 });
  });

  it('an update to the values the tenant already has is unchanged: no version, no event, no audit row', async () => {
    await asOperator(() => commands.execute(new OnboardTenantCommand({ id: 'steady', displayName: 'Steady', isolationMode: 'pooled', quotas })));
    const view = await asOperator(() => commands.execute(new UpdateTenantCommand('steady', { displayName: ' Steady ', isolationMode: 'pooled', quotas: { ...quotas } }, 1)));
    expect(view).toMatchObject({ id: 'steady', displayName: 'Steady', version: 1 });
    expect(await count(`SELECT count(*)::int AS n FROM tenancy.tenant_bindings WHERE id = 'steady' AND version = 1`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM platform.audit_log WHERE target_id = 'steady' AND action = 'tenant.update'`)).toBe(0);
    const events = await t.ds.query(`SELECT type FROM platform.outbox_events WHERE aggregate_id = 'steady' UNION ALL SELECT type FROM platform.event_log WHERE aggregate_id = 'steady'`);
    expect(events).toEqual([{ type: 'rcp.tenancy.tenant-onboarded.v1' }]);
  });

  it('the repository round-trips the aggregate and refuses a save from a stale copy (concurrent_modification)', async () => {
    const id = await acme();
    const [a, b] = await asOperator(() =>
      Promise.all([tx.run(() => repo.findById(id)), tx.run(() => repo.findById(id))]),
    );
    expect(a!.snapshot()).toEqual(b!.snapshot());
    expect(a!.snapshot()).toMatchObject({ id, displayName: 'Acme', isolationMode: 'pooled', quotas, state: 'active', version: 1 });
    const uow = t.app.get(UnitOfWork);
    await asOperator(() =>
      uow.execute({ action: 'test.suspend', targetType: 'tenant' }, async () => {
        a!.suspend('first', new Date());
        await repo.save(a!);
      }),
    );
    expect(a!.version).toBe(2);
    let caught: unknown;
    await asOperator(() =>
      uow.execute({ action: 'test.suspend', targetType: 'tenant' }, async () => {
        b!.suspend('second', new Date());
        await repo.save(b!);
      }),
    ).catch((err) => (caught = err));
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('concurrent_modification');
    const [row] = await t.ds.query(`SELECT state, version FROM tenancy.tenant_bindings WHERE id = $1`, [id]);
    expect(row).toEqual({ state: 'suspended', version: 2 });
  });

  it('update refuses a stale expected version with version_conflict and changes nothing', async () => {
    const id = await acme();
    await asOperator(() => commands.execute(new UpdateTenantCommand(id, { displayName: 'Old' }, 1)));
    await expect(asOperator(() => commands.execute(new UpdateTenantCommand(id, { displayName: 'New' }, 1)))).rejects.toMatchObject({
      code: 'version_conflict',
    });
    const view = await asOperator(() => commands.execute(new UpdateTenantCommand(id, { displayName: 'New' }, 2)));
    expect(view).toMatchObject({ displayName: 'New', version: 3 });
  });

  it('keeps the usage read model from inventory events, once per event, and reports over-quota usage', async () => {
    const outbox = t.app.get(OutboxWriter);
    const uow = t.app.get(UnitOfWork);
    const tenantId = await acme();
    const ref = { tenantId, projectId: 'web' };
    const publish = (aggregateId: string, version: number, ...events: object[]) =>
      asOperator(() =>
        uow.execute({ action: 'test.publish', targetType: 'test' }, () =>
          outbox.append({ aggregateType: 'RuntimeEnvironment', aggregateId, aggregateVersion: version, tenantId, events: events as never }),
        ),
      );
    const placement = { model: 'pool' as const, cluster: 'pool-1', namespace: 'acme-web-a', dataStore: 'pool-1' };
    // Environment ids are uuids: in tests the outbox writer checks every event against its catalogue schema.
    const [envA, envB, envC] = ['a0000000-0000-4000-8000-00000000000a', 'b0000000-0000-4000-8000-00000000000b', 'c0000000-0000-4000-8000-00000000000c'];
    for (const [i, env] of [envA, envB, envC].entries()) {
      await publish(env, 1, new EnvironmentRequestedV1({ environmentId: env, ...ref, name: `n${i}`, type: 'development', region: 'eu', labels: {}, placement }));
    }
    const svc = { ...ref, environmentId: envA, image: 'web:1', readyReplicas: 3, configChecksum: null, observedAt: new Date().toISOString(), overQuota: false };
    await publish(envA, 2, new ServiceObservedV1({ ...svc, service: 'web', replicas: 3 }), new ServiceObservedV1({ ...svc, service: 'api', replicas: 6 }));

    const usage = t.app.get(TenantUsageReader);
    const expected = { environments: 3, servicesPerEnvironment: 2, replicasPerService: 6, totalReplicas: 9 };
    await eventually(async () => JSON.stringify(await tx.run(() => usage.usageOf(tenantId), { tenantId, platform: false })) === JSON.stringify(expected));

    // Deliver the 'api' event to the projection a second time: the inbox keeps its effect to once, so
    // the row deleted below is not written again.
    const [{ id: eventId }] = await t.ds.query(
      `SELECT id FROM platform.event_log WHERE type = 'rcp.inventory.service-observed.v1' AND envelope->'data'->>'service' = 'api'`,
    );
    await t.ds.query(`DELETE FROM tenancy.service_usage WHERE service = 'api'`);
    const [{ id: deliveryId }] = await t.ds.query(
      `INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
       SELECT id, 'ProjectUsageOnInventoryEventsHandler', position, aggregate_id, tenant_id,
              NOT EXISTS (SELECT 1 FROM platform.event_deliveries p WHERE p.handler = 'ProjectUsageOnInventoryEventsHandler' AND p.aggregate_id = e.aggregate_id)
       FROM platform.event_log e WHERE id = $1
       RETURNING id`,
      [eventId],
    );
    await eventually(async () => (await count(`SELECT count(*)::int AS n FROM platform.event_deliveries WHERE id = $1`, [deliveryId])) === 0);
    expect(await count(`SELECT count(*)::int AS n FROM tenancy.service_usage WHERE service = 'api'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM platform.inbox WHERE event_id = $1 AND handler = 'ProjectUsageOnInventoryEventsHandler'`, [eventId])).toBe(1);

    await publish(envB, 2, new EnvironmentDecommissionedV1({ environmentId: envB, ...ref }));
    await publish(envA, 3, new ServiceRemovedV1({ ...ref, environmentId: envA, service: 'web', observedAt: new Date().toISOString() }));
    await eventually(async () => (await tx.run(() => usage.usageOf(tenantId), { tenantId, platform: false })).environments === 2);
    const view = await asOperator(() =>
      commands.execute(new UpdateTenantCommand(tenantId, { quotas: { ...quotas, maxEnvironments: 1 } })),
    );
    expect(view.overQuota).toBe(true);
  });
});
