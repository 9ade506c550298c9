/**
 * The server side of `npm run bench:api`, in a process of its own so its CPU time can be read per
 * scenario (/proc/<pid>/stat): the baselines (bare Fastify, bare Fastify + the same raw SQL on a `pg`
 * pool) and the real application (`createApp`, both roles, logs off, rate limits raised out of the way
 * but still counted) on the bench's database. Tells the parent its ports and the settings over IPC.
 */
import Fastify from 'fastify';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { loadSettings } from '../libs/config/src/settings';
import { createApp } from '../src/bootstrap';
import { usageStatement } from '../src/contexts/tenancy/infrastructure/typeorm-tenant-usage.reader';

const db = process.env.BENCH_DB!;
const url = `postgres://postgres@127.0.0.1:5432/${db}`;

async function main(): Promise<void> {
  const settings = loadSettings({
    ...process.env,
    JWT_SECRET: process.env.JWT_SECRET || randomBytes(32).toString('base64url'),
    DATABASE_URL: url,
    REDIS_PREFIX: `rcp-bench-${db}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    DB_POOL_SIZE: '20',
  });
  // The application first: it creates the database and applies the migrations the baselines read.
  const app = await createApp(settings);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const appPort = (app.getHttpServer().address() as { port: number }).port;

  // The baselines: the same statements the product sends, on a plain pool (no auth, no Nest, no TypeORM).
  const pool = new Pool({ connectionString: url, max: 20 });
  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true }));
  bare.get('/one', async () => (await pool.query('SELECT 1 AS ok')).rows[0]);
  // GET one tenant: scope + binding + usage (the product's statements) in one simple-protocol message.
  const usage = usageStatement(['bench']);
  bare.get('/tenant', async () => {
    const results = (await pool.query(
      `SELECT set_config('rcp.tenant_id', 'bench', true); SELECT * FROM tenancy.tenant_bindings WHERE id = 'bench'; ${usage.sql.replace('$1', "'{bench}'")}`,
    )) as unknown as Array<{ rows: unknown[] }>;
    return { binding: results[1].rows[0], usage: results[2].rows[0] };
  });
  // A page of 50 environments.
  bare.get('/environments', async () => ({
    items: (await pool.query(`SELECT * FROM inventory.environments WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 51`, ['bench'])).rows.slice(0, 50),
  }));
  // A feed page (the product's feed statement: page, head and pruned mark in one statement).
  bare.get('/feed', async () => {
    const { rows } = await pool.query(
      `WITH page AS (SELECT position, envelope FROM platform.event_log WHERE position > 0 AND tenant_id = $1 ORDER BY position LIMIT 51),
            head AS (SELECT max(position) AS head FROM platform.event_log WHERE tenant_id = $1)
       SELECT page.position, page.envelope, head.head FROM head LEFT JOIN page ON true ORDER BY page.position`,
      ['bench'],
    );
    return { items: rows.slice(0, 50).map((r) => r.envelope) };
  });
  // An actual-state report that changes nothing, as a hand-written transaction: read the inventory with
  // its services, move its observation time (version check), one audit row.
  bare.put<{ Params: { id: string } }>('/actual-state/:id', async (req) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const { rows } = await c.query(
        `SELECT i.version, (SELECT count(*) FROM inventory.runtime_services s WHERE s.environment_id = i.environment_id AND NOT s.removed)::int AS services
         FROM inventory.service_inventories i WHERE i.environment_id = $1`,
        [req.params.id],
      );
      await c.query(`UPDATE inventory.service_inventories SET last_observed_at = now(), updated_at = now(), version = version + 1 WHERE environment_id = $1 AND version = $2`, [
        req.params.id,
        rows[0]?.version ?? 0,
      ]);
      await audit(c, 'bench', 'actual-state.report', 'RuntimeEnvironment', req.params.id);
      await c.query('COMMIT');
      return { applied: true, unchanged: rows[0]?.services ?? 0 };
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  });
  // A create command: the aggregate, its event and its audit row in one raw transaction.
  bare.post('/tenants', async (_req, reply) => {
    const id = `raw-${randomUUID().slice(0, 12)}`;
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO tenancy.tenant_bindings (id, tenant_id, display_name, isolation_mode, placement, quotas, state, version, created_at, updated_at)
         VALUES ($1, $1, $2, 'pooled', $3, $4, 'active', 1, now(), now())`,
        [id, `Tenant ${id}`, JSON.stringify({ model: 'pool', cluster: 'pool-1' }), JSON.stringify({ maxEnvironments: 5, maxServicesPerEnvironment: 5, maxReplicasPerService: 5, maxTotalReplicas: 50 })],
      );
      const envelope = { specversion: '1.0', id: randomUUID(), source: '/rcp/tenancy', type: 'rcp.tenancy.tenant-onboarded.v1', subject: id, data: { tenantId: id } };
      await c.query(
        `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ($1, $2, $3, 'BenchTenant', $2, 1, $4::jsonb)`,
        [envelope.id, id, envelope.type, JSON.stringify(envelope)],
      );
      await audit(c, id, 'tenant.onboard', 'RuntimeTenantBinding', id);
      await c.query('COMMIT');
      reply.status(201);
      return { id };
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = (bare.server.address() as { port: number }).port;

  process.send!({ barePort, appPort, jwt: { secret: settings.JWT_SECRET, issuer: settings.JWT_ISSUER, audience: settings.JWT_AUDIENCE } });
  // BENCH_PROFILE: the parent asks for a CPU profile of each scenario's window only.
  const inspector = new Session();
  inspector.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => inspector.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  process.on('message', (m: { stop?: boolean; profileStart?: boolean; profileStop?: string }) => {
    if (m.profileStart) {
      void post('Profiler.enable')
        .then(() => post('Profiler.start'))
        .then(() => process.send!({ profiling: true }));
    }
    if (m.profileStop) {
      const file = m.profileStop;
      void post('Profiler.stop').then((r) => {
        writeFileSync(file, JSON.stringify((r as { profile: unknown }).profile));
        process.send!({ profiled: file });
      });
    }
    if (!m.stop) return;
    void Promise.allSettled([bare.close(), pool.end(), app.close()]).then(() => process.exit(0));
  });
}

function audit(c: PoolClient, tenantId: string, action: string, targetType: string, targetId: string) {
  return c.query(
    `INSERT INTO platform.audit_log (tenant_id, actor, actor_kind, roles, action, target_type, target_id, result, correlation_id, trace_id, ip, details)
     VALUES ($1, 'bench', 'user', $2, $3, $4, $5, 'allowed', $6, $7, '127.0.0.1', '{}'::jsonb)`,
    [tenantId, ['platform:admin'], action, targetType, targetId, randomUUID(), randomBytes(16).toString('hex')],
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
