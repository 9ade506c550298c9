import { signLocalToken } from '@rcp/auth';
import { TEST_JWT_SECRET } from '@rcp/testing';
import { AppProcess, FaultDb, createFaultDatabase, delay, killAll, startAppProcess, until } from './support/harness';

jest.setTimeout(120_000);

const QUOTAS = { maxEnvironments: 5, maxServicesPerEnvironment: 5, maxReplicasPerService: 5, maxTotalReplicas: 50 };

/**
 * Item 2 of issue 11 with a real api process: a DBA's `pg_cancel_backend` storm on the app's backends
 * while it answers requests. Requests during the storm may fail; afterwards `/readyz` is 200 again and
 * every authenticated request on both pools (tenant and system login) answers 200, with no connection
 * left in an aborted transaction and no command half-written. Before the fixes a cancelled opening
 * statement put its connection back in the pool aborted (500 to every request on that connection), and
 * each failed `/readyz` kept a connection until the pool was empty (every request waiting forever), both
 * until the process was restarted.
 */
describe('an api process whose backends are cancelled over and over', () => {
  let db: FaultDb;
  let api: AppProcess;
  const sign = (spec: Parameters<typeof signLocalToken>[0]) => signLocalToken(spec, TEST_JWT_SECRET);
  const operator = sign({ roles: ['platform:admin'], sub: 'ops@platform' });
  const tenantAdmin = sign({ tenantId: 'storm', roles: ['tenant:admin'], sub: 'admin@storm' });

  beforeAll(async () => {
    db = await createFaultDatabase();
    // Few connections per pool, so a poisoned one would be met by most requests.
    api = await startAppProcess({
      db,
      role: 'api',
      name: 'api',
      env: { DB_POOL_SIZE: '3', RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_IP_PER_MINUTE: '1000000' },
    });
  });
  afterAll(async () => {
    await killAll();
    await db?.close();
  });

  const get = (path: string, token: string) => api.http(path, { headers: { authorization: `Bearer ${token}` } });
  /** The three requests the storm and the checks use: a platform read (system pool), a tenant read (tenant pool), readiness. */
  const probes: Array<[string, () => Promise<Response>]> = [
    ['GET /v1/tenants/storm (platform)', () => get('/v1/tenants/storm', operator)],
    ['GET /v1/environments (tenant)', () => get('/v1/environments', tenantAdmin)],
    ['GET /readyz', () => api.http('/readyz')],
  ];

  it('answers 200 again on both pools once the storm ends, and no command is half-written', async () => {
    const created = await api.http('/v1/tenants', {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'storm', displayName: 'Storm', isolationMode: 'pooled', quotas: QUOTAS }),
    });
    expect(created.status).toBe(201);

    let storming = true;
    let cancels = 0;
    const statuses = new Map<number, number>();
    const seen = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    /** A request's status; 0 when the socket failed (counted, so one broken socket does not end the storm). */
    const status = async (request: () => Promise<Response>): Promise<{ status: number; etag: string | null }> => {
      try {
        const res = await request();
        await res.arrayBuffer();
        return { status: res.status, etag: res.headers.get('etag') };
      } catch {
        return { status: 0, etag: null };
      }
    };
    const reader = async (probe: () => Promise<Response>) => {
      while (storming) seen((await status(probe)).status);
    };
    // Renames the tenant with If-Match: commands are cancelled too (opening, work, commit).
    // Each name is new, so each allowed command changes the tenant (a no-op rename is neither audited nor versioned).
    const writer = async (no: number) => {
      for (let i = 0; storming; i++) {
        const { status: found, etag } = await status(() => get('/v1/tenants/storm', operator));
        if (found !== 200 || !etag) continue;
        const renamed = await status(() =>
          api.http('/v1/tenants/storm', {
            method: 'PATCH',
            headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', 'if-match': etag },
            body: JSON.stringify({ displayName: `Storm ${no}-${i}` }),
          }),
        );
        seen(renamed.status);
      }
    };
    // Cancels whatever the app's backends are running at that moment (an idle backend ignores a cancel).
    const canceller = async () => {
      while (storming) {
        const rows = await db.query(
          `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcp' AND state = 'active'`,
        );
        cancels += rows.length;
      }
    };
    const running = [...probes.map(([, probe]) => reader(probe)), reader(probes[1][1]), writer(1), writer(2), canceller(), canceller()];
    await delay(5000);
    storming = false;
    await Promise.all(running);
    // The storm hit statements (some requests failed), and requests kept being answered during it.
    expect(cancels).toBeGreaterThan(0);
    expect([...statuses.keys()].some((s) => s >= 500)).toBe(true);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);

    // Recovered: ready again, and every request on every connection of both pools answers 200.
    await until(async () => (await api.http('/readyz')).status === 200, 10_000, '/readyz 200 after the storm');
    const after = await db.query<{ state: string }>(
      `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rcp' AND state LIKE 'idle in transaction%'`,
    );
    expect(after).toEqual([]);
    for (const [name, probe] of probes) {
      const answers = await Promise.all(Array.from({ length: 24 }, async () => (await status(probe)).status));
      expect({ name, answers }).toEqual({ name, answers: answers.map(() => 200) });
    }

    // Every command committed whole or not at all: the tenant's version, its events and its allowed audit rows agree.
    const [tenant] = await db.query<{ version: number }>(`SELECT version FROM tenancy.tenant_bindings WHERE id = 'storm'`);
    const versions = (await db.query<{ v: number }>(`SELECT DISTINCT aggregate_version AS v FROM platform.outbox_events WHERE aggregate_id = 'storm' ORDER BY 1`)).map((r) => r.v);
    const allowed = await db.count(`SELECT count(*) AS n FROM platform.audit_log WHERE target_id = 'storm' AND result = 'allowed'`);
    expect(versions).toEqual(Array.from({ length: tenant.version }, (_, i) => i + 1));
    expect(allowed).toBe(tenant.version);

    const stopped = await api.stop(20_000);
    expect(stopped.graceful).toBe(true);
  });
});
