import { randomUUID } from 'node:crypto';
import { DomainError } from '@rcp/ddd';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { startTestApp, uniqueId } from '@rcp/testing';
import { RuntimeEnvironmentRepository, ServiceInventoryRepository } from '../../../src/contexts/inventory/domain/inventory.repository';
import { RuntimeEnvironment } from '../../../src/contexts/inventory/domain/runtime-environment.aggregate';
import { RuntimeServiceInventory } from '../../../src/contexts/inventory/domain/runtime-service-inventory.aggregate';
import { aTenantTerms } from '../../../src/contexts/inventory/domain/runtime-environment.mother';
import { aService } from '../../../src/contexts/inventory/domain/runtime-service-inventory.mother';
import { App, FAST_INVENTORY, as, operator, tenantAdmin } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

const T = new Date('2026-03-01T12:00:00Z');

describe('inventory: repositories on real Postgres', () => {
  let t: App;
  let tx: TransactionManager;
  let uow: UnitOfWork;
  let repo: RuntimeEnvironmentRepository;
  let inventories: ServiceInventoryRepository;

  beforeAll(async () => {
    // The simulated provisioner never runs here: these environments are saved straight through the repository.
    t = await startTestApp(FAST_INVENTORY);
    tx = t.app.get(TransactionManager);
    uow = t.app.get(UnitOfWork);
    repo = t.app.get(RuntimeEnvironmentRepository);
    inventories = t.app.get(ServiceInventoryRepository);
  });
  afterAll(() => t.close());

  const save = (actor: ReturnType<typeof tenantAdmin>, env: RuntimeEnvironment) => as(actor, () => uow.execute({ action: 'test.save', targetType: 'environment' }, () => repo.save(env)));
  const load = (actor: ReturnType<typeof tenantAdmin>, id: string) => as(actor, () => tx.run(() => repo.findById(id)));
  const newEnv = (id: string, name: string, tenant: string) =>
    RuntimeEnvironment.request({ id, tenantId: tenant, projectId: 'web', name, type: 'production', region: 'eu-west-1', labels: { team: 'payments' } }, aTenantTerms().withId(tenant).build(), 0, T);
  /** Each test saves its own environments, of a tenant of its own (the repository needs no onboarding). */
  let acme: string;
  let ID_A: string;
  beforeEach(() => {
    acme = uniqueId('acme');
    ID_A = randomUUID();
  });
  /** Saves environment ID_A `checkout` and starts its provisioning (version 2, an operation in flight). */
  const provisioningA = async () => {
    const env = newEnv(ID_A, 'checkout', acme);
    await save(tenantAdmin(acme), env);
    const loaded = (await load(tenantAdmin(acme), ID_A))!;
    loaded.startProvisioningAttempt(randomUUID(), T);
    await save(tenantAdmin(acme), loaded);
    return { env, loaded };
  };
  /** ID_A provisioned: ready, version 3. */
  const readyA = async () => {
    const { loaded: a } = await provisioningA();
    a.completeOperation(a.operation!.id, { succeeded: true }, T);
    await save(tenantAdmin(acme), a);
  };
  /** Environment `billing` and its service inventory after a first report, each saved once. */
  const billingWithReport = async (id: string) => {
    const env = newEnv(id, 'billing', acme);
    const inv = RuntimeServiceInventory.empty({ environmentId: id, tenantId: acme, projectId: 'web' });
    inv.applyReport({ observedAt: T, services: [aService('web')] }, 2, T);
    await save(tenantAdmin(acme), env);
    await as(tenantAdmin(acme), () => uow.execute({ action: 'test.report', targetType: 'environment' }, () => inventories.save(inv)));
  };

  it('round-trips an environment with its operation in flight, and writes state, events and audit row together', async () => {
    const env = newEnv(ID_A, 'checkout', acme);
    await save(tenantAdmin(acme), env);
    expect(env.version).toBe(1);
    const loaded = (await load(tenantAdmin(acme), ID_A))!;
    expect(loaded.snapshot()).toEqual(env.snapshot());

    const operationId = randomUUID();
    loaded.startProvisioningAttempt(operationId, T);
    await save(tenantAdmin(acme), loaded);
    const again = (await as(operator, () => tx.run(() => repo.findByOperation(operationId))))!;
    expect(again.snapshot()).toEqual(loaded.snapshot());
    expect(again.snapshot()).toMatchObject({ state: 'provisioning', version: 2, operation: { kind: 'provision', attempt: 1, startedAt: T }, provisioningStartedAt: T });

    const outbox = await t.ds.query(
      `SELECT type, aggregate_version FROM (SELECT type, aggregate_version, seq AS o FROM platform.outbox_events WHERE aggregate_id = $1
       UNION ALL SELECT type, aggregate_version, position AS o FROM platform.event_log WHERE aggregate_id = $1) x ORDER BY aggregate_version`,
      [ID_A],
    );
    expect(outbox).toEqual([
      { type: 'rcp.inventory.environment-requested.v1', aggregate_version: 1 },
      { type: 'rcp.inventory.environment-provisioning-started.v1', aggregate_version: 2 },
    ]);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'test.save' AND result = 'allowed' AND tenant_id = $1`, [acme]);
    expect(n).toBe(2);
  });

  it('refuses a save from a stale copy with concurrent_modification and keeps the first change', async () => {
    await provisioningA();
    const [a, b] = await Promise.all([load(tenantAdmin(acme), ID_A), load(tenantAdmin(acme), ID_A)]);
    a!.completeOperation(a!.operation!.id, { succeeded: true }, T);
    await save(tenantAdmin(acme), a!);
    b!.completeOperation(b!.operation!.id, { succeeded: false, reason: 'late' }, T);
    const err = await save(tenantAdmin(acme), b!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('concurrent_modification');
    const [row] = await t.ds.query(`SELECT state, version, last_error FROM inventory.environments WHERE id = $1`, [ID_A]);
    expect(row).toEqual({ state: 'ready', version: 3, last_error: null });
  });

  it('refuses a second live environment with the same name in the project (precondition_failed), but not after decommissioning', async () => {
    await readyA();
    const ID_B = randomUUID();
    const err = await save(tenantAdmin(acme), newEnv(ID_B, 'checkout', acme)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'precondition_failed', details: { reasons: ['environment name checkout is taken in project web'] } });
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM inventory.environments WHERE id = $1`, [ID_B]);
    expect(n).toBe(0);

    const a = (await load(tenantAdmin(acme), ID_A))!;
    const operationId = randomUUID();
    a.decommission('gone', T);
    a.startDecommissioningAttempt(operationId, T);
    a.completeOperation(operationId, { succeeded: true }, T);
    await save(tenantAdmin(acme), a);
    await save(tenantAdmin(acme), newEnv(ID_B, 'checkout', acme));
    expect(await as(tenantAdmin(acme), () => tx.run(() => repo.countLive(acme)))).toBe(1);
  });

  it('hides another tenant\'s environments through row-level security', async () => {
    const [globex, ID_C] = [uniqueId('globex'), randomUUID()];
    await save(tenantAdmin(acme), newEnv(ID_A, 'checkout', acme));
    await save(tenantAdmin(acme), newEnv(randomUUID(), 'billing', acme));
    await save(tenantAdmin(globex), newEnv(ID_C, 'checkout', globex));
    expect(await load(tenantAdmin(acme), ID_C)).toBeNull();
    expect(await load(tenantAdmin(globex), ID_C)).not.toBeNull();
    const page = await as(tenantAdmin(acme), () => tx.run(() => repo.page({ limit: 50 })));
    expect(page.map((e) => e.tenantId)).toEqual([acme, acme]);
    // A tenant cannot write a row for another tenant either (WITH CHECK of the policy).
    const err = await save(tenantAdmin(acme), newEnv(randomUUID(), 'sneaky', globex)).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/row-level security/);
  });

  it('round-trips a service inventory and serializes two reports for one environment', async () => {
    const ID_B = randomUUID();
    await save(tenantAdmin(acme), newEnv(ID_B, 'checkout', acme));
    const inv = RuntimeServiceInventory.empty({ environmentId: ID_B, tenantId: acme, projectId: 'web' });
    inv.applyReport({ observedAt: T, services: [aService('web'), aService('api'), aService('worker')] }, 2, T);
    await as(tenantAdmin(acme), () => uow.execute({ action: 'test.report', targetType: 'environment' }, () => inventories.save(inv)));
    const loaded = (await as(tenantAdmin(acme), () => tx.run(() => inventories.findByEnvironment(ID_B))))!;
    expect(loaded.snapshot()).toEqual(inv.snapshot());
    expect(loaded.snapshot().services.filter((s) => s.overQuota).map((s) => s.name)).toEqual(['worker']);

    const [x, y] = await Promise.all([
      as(tenantAdmin(acme), () => tx.run(() => inventories.findByEnvironment(ID_B))),
      as(tenantAdmin(acme), () => tx.run(() => inventories.findByEnvironment(ID_B))),
    ]);
    const later = new Date(T.getTime() + 1000);
    x!.applyReport({ observedAt: later, services: [aService('web')] }, 2, later);
    y!.applyReport({ observedAt: later, services: [aService('web'), aService('api', { replicas: 5 })] }, 2, later);
    await as(tenantAdmin(acme), () => uow.execute({ action: 'test.report', targetType: 'environment' }, () => inventories.save(x!)));
    const err = await as(tenantAdmin(acme), () => uow.execute({ action: 'test.report', targetType: 'environment' }, () => inventories.save(y!))).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe('concurrent_modification');
    const rows = await t.ds.query(`SELECT name, removed, replicas FROM inventory.runtime_services WHERE environment_id = $1 ORDER BY name`, [ID_B]);
    expect(rows).toEqual([
      { name: 'api', removed: true, replicas: 2 },
      { name: 'web', removed: false, replicas: 2 },
      { name: 'worker', removed: true, replicas: 2 },
    ]);
  });

  it('stamps each envelope with when its domain event happened (not when it was saved) and with its aggregate type', async () => {
    const ID_D = randomUUID();
    await billingWithReport(ID_D);

    const envelopes: { type: string; time: string; aggregatetype: string }[] = await t.ds.query(
      `SELECT envelope->>'type' AS type, envelope->>'time' AS time, envelope->>'aggregatetype' AS aggregatetype
       FROM (SELECT envelope FROM platform.outbox_events UNION ALL SELECT envelope FROM platform.event_log) x
       WHERE envelope->'data'->>'environmentId' = $1 ORDER BY 1`,
      [ID_D],
    );
    expect(envelopes).toEqual([
      { type: 'rcp.inventory.environment-requested.v1', time: T.toISOString(), aggregatetype: 'RuntimeEnvironment' },
      { type: 'rcp.inventory.service-observed.v1', time: T.toISOString(), aggregatetype: 'RuntimeServiceInventory' },
    ]);
  });

  it('gives the service inventory its own subject, so each subject on the feed has one strictly increasing version line', async () => {
    // The environment ID_D (versions 1..) and its service inventory (versions 1..) both save twice more.
    const ID_D = randomUUID();
    await billingWithReport(ID_D);
    const env = (await load(tenantAdmin(acme), ID_D))!;
    env.startProvisioningAttempt(randomUUID(), T);
    await save(tenantAdmin(acme), env);
    for (const minutes of [1, 2]) {
      const inv = (await as(tenantAdmin(acme), () => tx.run(() => inventories.findByEnvironment(ID_D))))!;
      const when = new Date(T.getTime() + minutes * 60_000);
      inv.applyReport({ observedAt: when, services: [aService('web', { replicas: 2 + minutes })] }, 2, when);
      await as(tenantAdmin(acme), () => uow.execute({ action: 'test.report', targetType: 'environment' }, () => inventories.save(inv)));
    }

    const rows: { subject: string; aggregatetype: string; version: number }[] = await t.ds.query(
      `SELECT envelope->>'subject' AS subject, envelope->>'aggregatetype' AS aggregatetype, aggregate_version AS version
       FROM (SELECT envelope, aggregate_version, seq AS o FROM platform.outbox_events
             UNION ALL SELECT envelope, aggregate_version, position AS o FROM platform.event_log) x
       WHERE envelope->'data'->>'environmentId' = $1 ORDER BY o`,
      [ID_D],
    );
    const lines = new Map<string, { types: Set<string>; versions: number[] }>();
    for (const r of rows) {
      const line = lines.get(r.subject) ?? { types: new Set(), versions: [] };
      line.types.add(r.aggregatetype);
      line.versions.push(r.version);
      lines.set(r.subject, line);
    }
    expect([...lines].map(([subject, l]) => [subject, [...l.types], l.versions])).toEqual([
      [ID_D, ['RuntimeEnvironment'], [1, 2]],
      [`${ID_D}/services`, ['RuntimeServiceInventory'], [1, 2, 3]],
    ]);
  });
});
