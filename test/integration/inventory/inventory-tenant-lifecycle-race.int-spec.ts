import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, givenTenant, startTestApp } from '@rcp/testing';
import { ChangeTenantLifecycleCommand } from '../../../src/contexts/tenancy/application/commands/change-tenant-lifecycle/change-tenant-lifecycle.command';
import { EnvironmentJobView } from '../../../src/contexts/inventory/application/environment.view';
import { App, FAST_INVENTORY, as, operator, requestEnvironment, waitForState } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

/**
 * The race between a tenant's offboarding (or suspension) and an environment request already past
 * the API's lifecycle gate, made deterministic: a second connection holds the request (or the tenant's
 * read-model row) at the worst moment while tenancy's event reaches inventory, then lets go.
 */
describe('inventory: environment requests racing a tenant lifecycle change', () => {
  let t: App;
  let blocker: Client;

  beforeAll(async () => {
    t = await startTestApp(FAST_INVENTORY);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    blocker = new Client({ connectionString: t.dbUrl });
    await blocker.connect();
  });
  afterEach(async () => {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
  });

  /** Sessions of this database waiting for a lock. */
  const waitingOnLocks = async (): Promise<number> =>
    (await t.asOwner(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n;
  const change = (tenantId: string, action: 'offboard' | 'suspend') =>
    as(operator, () => t.app.get(CommandBus).execute(new ChangeTenantLifecycleCommand(tenantId, action, 'race')));
  const settle = async (p: Promise<EnvironmentJobView>): Promise<EnvironmentJobView | { refused: string }> =>
    p.catch((err: { code?: string }) => ({ refused: err.code ?? String(err) }));

  it('decommissions an environment whose request committed while inventory was processing the offboarding', async () => {
    await givenTenant(t, { id: 'leaving' });
    // Hold the request after its tenant check, at its INSERT: an uncommitted row with the same live name blocks it.
    await blocker.query('BEGIN');
    await blocker.query(
      `INSERT INTO inventory.environments (id, tenant_id, project_id, name, type, region, placement, state, round, attempts, version, created_at, updated_at)
       VALUES ($1, 'leaving', 'web', 'held', 'staging', 'eu-west-1', '{}', 'requested', 1, 0, 1, now(), now())`,
      [randomUUID()],
    );
    const pending = settle(requestEnvironment(t, 'leaving', { name: 'held' }));
    await eventually(async () => (await waitingOnLocks()) >= 1);

    await change('leaving', 'offboard');
    // Give the relay time to hand tenant-offboarded to inventory's handlers (they may wait on the held request).
    await new Promise((r) => setTimeout(r, 1500));
    await blocker.query('ROLLBACK');

    const result = await pending;
    expect(result).toHaveProperty('environment');
    const id = (result as EnvironmentJobView).environment.id;
    const row = await waitForState(t, id, 'decommissioned');
    expect(row).toMatchObject({ state: 'decommissioned' });
    const [env] = await t.ds.query(`SELECT decommission_reason FROM inventory.environments WHERE id = $1`, [id]);
    expect(env.decommission_reason).toBe('tenant leaving was offboarded: race');
    // The provisioning job the request answered with ends too, whichever way its round went.
    const job = await eventually(async () => {
      const [j] = await t.ds.query(`SELECT state FROM platform.jobs WHERE id = $1`, [(result as EnvironmentJobView).jobId]);
      return ['completed', 'failed'].includes(j.state) ? j : undefined;
    });
    expect(job.state).toMatch(/^(completed|failed)$/);
  });

  it('decommissions an environment requested after a suspension that inventory had not seen yet', async () => {
    await givenTenant(t, { id: 'pausing' });
    // Hold the tenant's read-model row: the request queues behind it, and so will the suspension's handlers.
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM inventory.tenants WHERE tenant_id = 'pausing' FOR UPDATE`);
    const pending = settle(requestEnvironment(t, 'pausing', { name: 'sneaky' }));
    await eventually(async () => (await waitingOnLocks()) >= 1);
    await change('pausing', 'suspend');
    await new Promise((r) => setTimeout(r, 1500));
    await blocker.query('ROLLBACK');

    const result = await pending;
    if ('refused' in result) {
      // The suspension's handler got the row first: refused outright, which is just as right.
      expect(result.refused).toBe('tenant_suspended');
      return;
    }
    const row = await waitForState(t, result.environment.id, 'decommissioned');
    expect(row.state).toBe('decommissioned');
    const [env] = await t.ds.query(`SELECT decommission_reason FROM inventory.environments WHERE id = $1`, [result.environment.id]);
    expect(env.decommission_reason).toMatch(/^requested while tenant pausing was suspended \(since /);
  });
});
