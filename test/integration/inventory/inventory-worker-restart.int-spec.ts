import { Client } from 'pg';
import { deleteRedisKeys, eventually, givenTenant, startTestApp } from '@rcp/testing';
import { App, FAST_INVENTORY, envRow, requestEnvironment, waitForState } from './inventory-fixtures';

/** Real provisioning rounds, relay and job hops: seconds, not milliseconds. */
jest.setTimeout(30_000);

/** Short leases, so a job whose worker died mid-run is taken over within seconds. */
const OVERRIDES = { ...FAST_INVENTORY, JOB_LEASE_SECONDS: '5' };

const countEvents = async (t: App, aggregateId: string, type: string): Promise<number> =>
  (await t.ds.query(`SELECT count(*)::int AS n FROM platform.event_log WHERE aggregate_id = $1 AND type = $2`, [aggregateId, type]))[0].n;

/** Reads the state with a plain connection: the first app's pool is closed. */
async function stateOn(dbUrl: string, id: string): Promise<string> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(`SELECT state FROM inventory.environments WHERE id = $1`, [id])).rows[0].state;
  } finally {
    await c.end();
  }
}


describe('inventory: a worker restart in the middle of provisioning', () => {
  /** Starts provisioning on a first process and stops that process while the environment is provisioning. */
  async function provisionThenStop(): Promise<{ first: App; environmentId: string; operationId: string }> {
    const first = await startTestApp(OVERRIDES);
    try {
      await givenTenant(first, { id: 'acme' });
      const { environment } = await requestEnvironment(first, 'acme', { name: 'survivor', labels: { 'rcp.dev/simulate-latency-ms': '1500' } });
      const row = await waitForState(first, environment.id, 'provisioning');
      return { first, environmentId: environment.id, operationId: row.operation_id! };
    } finally {
      await first.app.close(); // the process goes away; its database and Redis prefix stay
    }
  }

  async function expectReadyExactlyOnce(second: App, environmentId: string, operationId: string): Promise<void> {
    const ready = await waitForState(second, environmentId, 'ready', 30_000);
    expect(ready).toMatchObject({ attempts: 1, operation_id: null, failure_reason: null });
    await eventually(async () => (await second.ds.query(`SELECT 1 FROM platform.outbox_events WHERE aggregate_id = $1`, [environmentId])).length === 0);
    expect(await countEvents(second, environmentId, 'rcp.inventory.environment-ready.v1')).toBe(1);
    expect(await countEvents(second, environmentId, 'rcp.inventory.environment-provisioning-started.v1')).toBe(1);
    // The simulated data plane kept the operation across the restart, completed it once and reported it once.
    const completions = await eventually(async () => {
      const rows = await second.asOwner(`SELECT state, delivered_at IS NOT NULL AS reported FROM simulator.operations WHERE id = $1`, [operationId]);
      return rows[0]?.reported ? rows : undefined;
    });
    expect(completions).toEqual([{ state: 'succeeded', reported: true }]);
    expect(await envRow(second, environmentId)).toMatchObject({ state: 'ready', version: 3 });
  }

  it('ends ready exactly once when a second process on the same database takes over', async () => {
    const { first, environmentId, operationId } = await provisionThenStop();
    const second = await startTestApp(OVERRIDES, { url: first.dbUrl, prefix: first.redisPrefix });
    try {
      expect(await stateOn(first.dbUrl, environmentId)).toBe('provisioning');
      await expectReadyExactlyOnce(second, environmentId, operationId);
    } finally {
      await second.close();
      await first.dropDb();
    }
  });

  it('ends ready exactly once even when Redis lost every job hint meanwhile (the ledger is the record)', async () => {
    const { first, environmentId, operationId } = await provisionThenStop();
    expect(await deleteRedisKeys(`${first.redisPrefix}:*`)).toBeGreaterThan(0);
    const second = await startTestApp(OVERRIDES, { url: first.dbUrl, prefix: first.redisPrefix });
    try {
      expect(await stateOn(first.dbUrl, environmentId)).toBe('provisioning');
      await expectReadyExactlyOnce(second, environmentId, operationId);
    } finally {
      await second.close();
      await first.dropDb();
    }
  });
});
