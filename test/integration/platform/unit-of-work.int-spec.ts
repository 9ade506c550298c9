import { ConcurrentModificationError } from '@rcp/ddd';
import { resolveProblem } from '@rcp/http';
import { Actor, RequestContexts } from '@rcp/observability';
import { RuntimeTenantBinding } from '../../../src/contexts/tenancy/domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository } from '../../../src/contexts/tenancy/domain/tenant-binding.repository';
import { SpineApp, startSpineApp } from '../../support/spine-app';
import { WidgetChanged, asTenantUser } from '../../support/spine-fixtures';

const PLATFORM_OPERATOR: Actor = { sub: 'ops@platform', kind: 'user', tenantId: null, roles: ['platform:admin'] };
const QUOTAS = { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 };

/** Guarantee 1 of OUTBOX.md: a command's state, its events and its audit row commit together or not at all. */
describe('unit of work', () => {
  let t: SpineApp;
  // The api role: no relay drains the outbox behind the test's back.
  beforeAll(async () => (t = await startSpineApp({ RCP_ROLE: 'api' })));
  afterAll(async () => t?.close());

  const state = async (widgetId: string) => ({
    widgets: await t.count(`SELECT count(*) AS n FROM spine_test.widgets WHERE id = $1`, [widgetId]),
    outbox: await t.count(`SELECT count(*) AS n FROM platform.outbox_events WHERE aggregate_id = $1`, [widgetId]),
    audit: await t.count(`SELECT count(*) AS n FROM platform.audit_log WHERE target_id = $1`, [widgetId]),
  });

  it('leaves no state, no outbox row and no audit row when the work throws after appending its event', async () => {
    await expect(t.change({ widgetId: 'w-fail', expectedVersion: 0, failAfterAppend: true })).rejects.toThrow('command failed after writing state and event');
    expect(await state('w-fail')).toEqual({ widgets: 0, outbox: 0, audit: 0 });
  });

  it('refuses, under NODE_ENV=test, to append an event whose data drifts from its catalogue schema, and appends nothing', async () => {
    const drifted = new WidgetChanged({ widgetId: 'w-drift', n: 1, colour: 'red' } as never);
    const append = () =>
      asTenantUser(() =>
        t.uow.execute({ action: 'widget.change', targetType: 'widget', targetId: 'w-drift' }, () =>
          t.outbox.append({ aggregateType: 'Widget', aggregateId: 'w-drift', aggregateVersion: 1, tenantId: 'tenant-a', events: [drifted] }),
        ),
      );
    await expect(append()).rejects.toThrow('rcp.spinetest.widget-changed.v1 does not match its catalogue schema: $.colour: not declared in the schema');
    expect((await state('w-drift')).outbox).toBe(0);
  });

  it('commits the state, exactly one outbox row and exactly one allowed audit row together when the work succeeds', async () => {
    await expect(t.change({ widgetId: 'w-ok', expectedVersion: 0 })).resolves.toBe(1);
    expect(await state('w-ok')).toEqual({ widgets: 1, outbox: 1, audit: 1 });

    const [event] = await t.ds.query(`SELECT type, tenant_id, aggregate_type, aggregate_version, envelope FROM platform.outbox_events WHERE aggregate_id = 'w-ok'`);
    expect(event).toMatchObject({ type: 'rcp.spinetest.widget-changed.v1', tenant_id: 'tenant-a', aggregate_type: 'Widget', aggregate_version: 1 });
    expect(event.envelope).toMatchObject({
      specversion: '1.0',
      type: 'rcp.spinetest.widget-changed.v1',
      subject: 'w-ok',
      tenantid: 'tenant-a',
      moduleid: 'spinetest',
      aggregateversion: '1',
      data: { widgetId: 'w-ok', n: 1 },
    });
    const [audit] = await t.ds.query(`SELECT action, result, actor, tenant_id FROM platform.audit_log WHERE target_id = 'w-ok'`);
    expect(audit).toEqual({ action: 'widget.change', result: 'allowed', actor: 'user@tenant-a', tenant_id: 'tenant-a' });
  });

  it('rejects the save of an aggregate loaded before a concurrent save (AggregateStore\'s version guard) with concurrent_modification and writes none of the three', async () => {
    const tenants = t.app.get(TenantBindingRepository);
    const asOperator = <T>(fn: () => Promise<T>) => RequestContexts.run({ correlationId: 'test-stale', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', actor: PLATFORM_OPERATOR }, fn);
    const save = (binding: RuntimeTenantBinding, action: string) =>
      asOperator(() => t.uow.execute({ action, targetType: 'tenant', targetId: binding.id, tenantId: binding.id }, () => tenants.save(binding)));
    const load = async () => (await asOperator(() => t.tx.run(() => tenants.findById('stale-co'))))!;
    const rows = async () => ({
      tenant: await t.asOwner(`SELECT display_name, version FROM tenancy.tenant_bindings WHERE id = 'stale-co'`),
      outbox: await t.count(`SELECT count(*) AS n FROM platform.outbox_events WHERE aggregate_id = 'stale-co'`),
      audit: await t.count(`SELECT count(*) AS n FROM platform.audit_log WHERE target_id = 'stale-co'`),
    });
    await save(RuntimeTenantBinding.onboard({ id: 'stale-co', displayName: 'Stale Co', isolationMode: 'pooled', quotas: QUOTAS }, new Date()), 'tenant.onboard');

    // Two commands load version 1; the first saves (version 2), the second still holds version 1.
    const first = await load();
    const second = await load();
    expect([first.version, second.version]).toEqual([1, 1]);
    first.rename('First', new Date());
    await save(first, 'tenant.rename');
    const before = await rows();
    second.rename('Second', new Date());

    const err = await save(second, 'tenant.rename').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentModificationError);
    expect(resolveProblem(err, '/v1/tenants/stale-co').problem).toMatchObject({ status: 409, code: 'concurrent_modification' });
    expect(await rows()).toEqual(before);
    expect(before).toEqual({ tenant: [{ display_name: 'First', version: 2 }], outbox: 2, audit: 2 });
    expect(second.version).toBe(1); // not marked persisted: a retry must reload
  });
});
