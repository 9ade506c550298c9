import { ConcurrentModificationError } from '@rcp/ddd';
import { resolveProblem } from '@rcp/http';
import { AggregateStore } from '@rcp/messaging';
import { isSerializationFailure } from '@rcp/persistence';
import { TenantBindingMapper } from '../../../src/contexts/tenancy/infrastructure/tenant-binding.mapper';
import { TenantBindingOrmEntity } from '../../../src/contexts/tenancy/infrastructure/tenant-binding.orm-entity';
import { RuntimeTenantBinding } from '../../../src/contexts/tenancy/domain/runtime-tenant-binding.aggregate';
import { SpineApp, gate, startSpineApp } from '../../support/spine-app';
import { asTenantUser } from '../../support/spine-fixtures';

jest.setTimeout(30_000);

/**
 * What a command answers when Postgres refuses it for a reason that is not the command's fault:
 * a deadlock or serialization failure is retried (the command succeeds), and only a conflict on the
 * aggregate's own key or version is `409 concurrent_modification`; any other unique violation is a bug
 * and answers 500.
 */
describe('command conflicts', () => {
  let t: SpineApp;
  beforeAll(async () => {
    t = await startSpineApp({ RCP_ROLE: 'api' });
    await t.asOwner(`CREATE TABLE spine_test.unique_things (k text PRIMARY KEY); GRANT SELECT, INSERT ON spine_test.unique_things TO rcp_app`);
  });
  afterAll(async () => t?.close());

  it('retries a command that Postgres aborted as a deadlock victim: both crossing commands succeed, each with one audit row', async () => {
    await t.change({ widgetId: 'w-left', expectedVersion: 0 });
    await t.change({ widgetId: 'w-right', expectedVersion: 0 });
    const leftHolds = gate();
    const rightHolds = gate();
    let attempts = 0;
    /** Locks `first`, waits until the other command holds its own first row, then locks `second`: a lock cycle. */
    const crossing = (first: string, second: string, mine: ReturnType<typeof gate>, other: ReturnType<typeof gate>) =>
      asTenantUser(() =>
        t.uow.execute({ action: 'widget.cross', targetType: 'widget', targetId: first }, async () => {
          attempts++;
          const m = t.tx.manager();
          await m.query(`UPDATE spine_test.widgets SET name = name || '+' WHERE id = $1`, [first]);
          mine.open();
          await other.promise;
          await m.query(`UPDATE spine_test.widgets SET name = name || '+' WHERE id = $1`, [second]);
          return first;
        }),
      );

    const results = await Promise.allSettled([crossing('w-left', 'w-right', leftHolds, rightHolds), crossing('w-right', 'w-left', rightHolds, leftHolds)]);

    expect(results).toEqual([
      { status: 'fulfilled', value: 'w-left' },
      { status: 'fulfilled', value: 'w-right' },
    ]);
    expect(attempts).toBe(3); // one of the two was the deadlock victim and ran again
    // Each widget was changed by both commands, once each: the victim's first attempt left nothing.
    const names = await t.asOwner(`SELECT id, name FROM spine_test.widgets WHERE id IN ('w-left', 'w-right') ORDER BY id`);
    expect(names).toEqual([
      { id: 'w-left', name: 'w++' },
      { id: 'w-right', name: 'w++' },
    ]);
    expect(await t.count(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'widget.cross'`)).toBe(2);
  });

  it('gives up after a few attempts when the conflict persists, and leaves nothing behind', async () => {
    let attempts = 0;
    const err = await asTenantUser(() =>
      t.uow.execute({ action: 'widget.always-conflicts', targetType: 'widget' }, async () => {
        attempts++;
        await t.tx.manager().query(`DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$`);
      }),
    ).catch((e: unknown) => e);
    expect(isSerializationFailure(err)).toBe(true);
    expect(attempts).toBe(3);
    expect(await t.count(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'widget.always-conflicts'`)).toBe(0);
  });

  it('answers a unique violation outside the aggregate (a bug, not a race on the resource) with 500 internal, not 409 concurrent_modification', async () => {
    const err = await asTenantUser(() =>
      t.uow.execute({ action: 'widget.duplicate-side-row', targetType: 'widget' }, async () => {
        await t.tx.manager().query(`INSERT INTO spine_test.unique_things (k) VALUES ('same'), ('same')`);
      }),
    ).catch((e: unknown) => e);
    const { problem } = resolveProblem(err, '/v1/widgets');
    expect(problem).toMatchObject({ status: 500, code: 'internal' });
    expect(JSON.stringify(problem)).not.toContain('unique_things'); // no SQL leaks either
  });

  it('answers two creations of the same aggregate (its own key) with 409 concurrent_modification, also without an onDuplicate rule', async () => {
    const store = t.app.get(AggregateStore);
    const create = () =>
      t.tx.run(
        async () => {
          const binding = RuntimeTenantBinding.onboard(
            { id: 'twice', displayName: 'Twice', isolationMode: 'pooled', quotas: { maxEnvironments: 1, maxServicesPerEnvironment: 1, maxReplicasPerService: 1, maxTotalReplicas: 1 } },
            new Date(),
          );
          await store.save({
            aggregate: binding,
            aggregateType: 'RuntimeTenantBinding',
            entity: TenantBindingOrmEntity,
            row: TenantBindingMapper.toRow(binding),
            tenantId: binding.id,
            events: TenantBindingMapper.toIntegrationEvents(binding.pullEvents()),
          });
        },
        { tenantId: null, platform: true },
      );
    await create();
    const err = await create().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrentModificationError);
    expect(resolveProblem(err, '/v1/tenants').problem).toMatchObject({ status: 409, code: 'concurrent_modification' });
  });
});
