import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { Client } from 'pg';
import { PgSession, RELAY_LOCK_KEY } from '@rcp/messaging';
import { MetricsService } from '@rcp/observability';
import { eventually } from '@rcp/testing';
import { SpineApp, adminClient, delay, startSpineApp } from '../../support/spine-app';

jest.setTimeout(60_000);

/** A short lease keeps the test quick; the fault test (test/faults/relay-leader) runs the default. */
const LEASE_MS = 2000;

interface Lease {
  term: number;
  holder: string | null;
  holder_pid: number | null;
  renewed_at: Date | null;
}

/**
 * A TCP proxy in front of Postgres that the test can cut off: while partitioned it forwards nothing in
 * either direction and passes no close on (as a network that stopped delivering packets), and when the
 * partition ends the connections that lived through it are gone, as they would be after a long outage.
 */
class Partition {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private cut = false;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = new Socket();
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = () => {
        if (this.cut) return; // a partition passes no FIN or RST on: the other side learns of it at the heal
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (d) => void (this.cut || upstream.write(d)));
      upstream.on('data', (d) => void (this.cut || client.write(d)));
      client.on('close', end).on('error', () => undefined);
      upstream.on('close', end).on('error', () => undefined);
      upstream.connect(this.target.port, this.target.host);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  partition(): void {
    this.cut = true;
  }

  /** Ends the partition: every connection that was open during it is dropped; new ones work again. */
  heal(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    this.cut = false;
  }

  async close(): Promise<void> {
    this.heal();
    await new Promise((r) => this.server.close(r));
  }
}

/**
 * Guarantee 2 of OUTBOX.md across instances that each have their own relay and their own Postgres
 * session: exactly one leads, the lock, the lease and the `rcp_relay_leader` gauges agree on which, and
 * another instance takes over when the leader goes away, is cut off, or loses its session.
 */
describe('relay leadership across workers', () => {
  let first: SpineApp;
  let admin: Client;
  let open: SpineApp[] = [];
  let proxies: Partition[] = [];

  const worker = { RCP_ROLE: 'worker', RELAY_LEASE_MS: String(LEASE_MS) };

  // Every test has its own database and two workers on it (each test depends on no other).
  beforeEach(async () => {
    first = await startSpineApp(worker);
    const second = await startSpineApp(worker, { url: first.dbUrl, prefix: first.redisPrefix });
    open = [first, second];
    proxies = [];
    admin = await adminClient(first.dbUrl);
  });
  // Instances are stopped with app.close() (a process going away); the database is dropped at the end.
  afterEach(async () => {
    for (const a of open.reverse()) await a.app.close().catch(() => undefined);
    for (const p of proxies) await p.close();
    await admin?.end();
    await first?.dropDb();
  });
  /** The one leader the workers elected. */
  const elected = () => eventually(async () => leaders().length === 1 && leaders()[0], 10_000);

  const leaders = () => open.filter((a) => a.relay.isLeader);
  const sessionPid = (a: SpineApp) => a.app.get(PgSession).pid;
  /** What the app's /metrics says: 1 or 0. */
  const gauge = async (a: SpineApp) => Number(/^rcp_relay_leader (\d+)$/m.exec(await a.app.get(MetricsService).render())?.[1]);
  const lease = async (): Promise<Lease> => {
    const { rows } = await admin.query(`SELECT term::int AS term, holder, holder_pid, renewed_at FROM platform.relay_leader WHERE id = 1`);
    return rows[0] as Lease;
  };
  const lockHolders = async (): Promise<number[]> =>
    (
      await admin.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [RELAY_LOCK_KEY],
      )
    ).rows.map((r: { pid: number }) => r.pid);
  /** The lock, the lease and every instance's gauge all name `leader`, and no other instance leads. */
  const expectSoleLeader = async (leader: SpineApp) => {
    expect(open.map((a) => a.relay.isLeader)).toEqual(open.map((a) => a === leader));
    expect(await Promise.all(open.map(gauge))).toEqual(open.map((a) => (a === leader ? 1 : 0)));
    const pid = sessionPid(leader);
    expect(pid).toEqual(expect.any(Number));
    expect(await lockHolders()).toEqual([pid]);
    expect(await lease()).toMatchObject({ holder: leader.relay.holderId, holder_pid: pid });
  };
  const deliveredOnce = async (app: SpineApp, widgetId: string, versions: number) => {
    await eventually(async () => (await app.effects()).filter((e) => e.aggregate_id === widgetId).length === versions * 2, 10_000);
    for (const handler of ['ProjectWidgetOnWidgetChangedHandler', 'NotifyOnWidgetChangedHandler']) {
      const ns = (await app.effects(handler)).filter((e) => e.aggregate_id === widgetId).map((e) => e.n);
      expect(ns).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
    }
  };

  it('elects exactly one relay leader among two workers, and the lock, the lease and the gauges agree', async () => {
    const leader = await elected();
    await expectSoleLeader(leader);
    // The follower keeps trying (its session is up, once it has connected) and keeps failing, while the leader keeps renewing.
    const follower = open.find((a) => a !== leader)!;
    await eventually(async () => sessionPid(follower) !== undefined, 5000);
    const before = await lease();
    expect(sessionPid(follower)).toEqual(expect.any(Number));
    await delay(LEASE_MS * 1.5);
    const after = await lease();
    expect(after).toMatchObject({ term: before.term, holder: before.holder, holder_pid: before.holder_pid });
    expect(after.renewed_at!.getTime()).toBeGreaterThan(before.renewed_at!.getTime());
    await expectSoleLeader(leader);
  });

  it('hands leadership to the other worker when the leader shuts down, and every event reaches every handler once', async () => {
    const leader = await elected();
    const follower = open.find((a) => a !== leader)!;
    const { term } = await lease();
    const writers = [leader, follower];
    const perWriter = 40;
    let written = 0;
    // Commands keep arriving on both instances while the leader goes away.
    const produce = async (app: SpineApp, name: string, stopEarly: boolean) => {
      for (let v = 0; v < perWriter; v++) {
        if (stopEarly && v === perWriter / 2) return;
        await app.change({ widgetId: name, expectedVersion: v });
        written++;
        await delay(5);
      }
    };
    const fromLeader = produce(writers[0], 'failover-a', true);
    const fromFollower = produce(writers[1], 'failover-b', false);
    await fromLeader;
    await leader.app.close();
    open.splice(open.indexOf(leader), 1);
    await fromFollower;

    await eventually(async () => follower.relay.isLeader, 5000);
    await expectSoleLeader(follower);
    expect((await lease()).term).toBe(term + 1);
    expect(written).toBe(perWriter + perWriter / 2);
    await eventually(async () => (await follower.count(`SELECT count(*) AS n FROM spine_test.effects`)) >= written * 2, 10_000);
    await delay(100);
    const [effects] = await follower.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (handler, event_id))::int AS distinct_n FROM spine_test.effects`);
    expect(effects).toEqual({ n: written * 2, distinct_n: written * 2 });
    const [log] = await follower.ds.query(`SELECT count(*)::int AS n, max(position)::int AS hi FROM platform.event_log`);
    expect(log).toEqual({ n: written, hi: written });
    await deliveredOnce(follower, 'failover-a', perWriter / 2);
    await deliveredOnce(follower, 'failover-b', perWriter);
  });

  it('displaces a leader cut off from the database within the lease; it stops saying it leads, and does not lead when it is back', async () => {
    await elected();
    // A third instance whose every connection goes through a network the test can partition. It becomes
    // the leader when the two others shut down.
    const url = new URL(first.dbUrl);
    const net = new Partition({ host: url.hostname, port: Number(url.port || 5432) });
    proxies.push(net);
    url.port = String(await net.listen());
    const cutOff = await startSpineApp({ ...worker, DATABASE_URL: url.toString() }, { url: first.dbUrl, prefix: first.redisPrefix });
    open.push(cutOff);
    for (const gone of open.filter((a) => a !== cutOff)) {
      await gone.app.close();
      open.splice(open.indexOf(gone), 1);
    }
    await eventually(async () => cutOff.relay.isLeader, 5000);
    const other = await startSpineApp(worker, { url: first.dbUrl, prefix: first.redisPrefix });
    open.push(other);
    await expectSoleLeader(cutOff);
    const { term } = await lease();

    net.partition();
    const partitionedAt = Date.now();
    // Never two leaders at once: sample both instances until the other one has taken over.
    let both = 0;
    await eventually(
      async () => {
        if (cutOff.relay.isLeader && other.relay.isLeader) both++;
        return other.relay.isLeader;
      },
      LEASE_MS + 3000,
      10,
    );
    // Not before the lease ran out (the leader renewed at most a fifth of the lease before the cut).
    expect(Date.now() - partitionedAt).toBeGreaterThanOrEqual(LEASE_MS * 0.7);
    expect(both).toBe(0);
    expect(cutOff.relay.isLeader).toBe(false);
    expect(await gauge(cutOff)).toBe(0);
    expect(await lease()).toMatchObject({ term: term + 1, holder: other.relay.holderId, holder_pid: sessionPid(other) });
    expect(await lockHolders()).toEqual([sessionPid(other)]);
    // Events keep flowing through the new leader while the old one is cut off.
    for (let v = 0; v < 5; v++) await other.change({ widgetId: 'partitioned', expectedVersion: v });
    await deliveredOnce(other, 'partitioned', 5);

    net.heal();
    await eventually(async () => sessionPid(cutOff) === undefined || sessionPid(cutOff) !== (await lease()).holder_pid, 5000);
    await delay(LEASE_MS);
    await expectSoleLeader(other);
    expect((await lease()).term).toBe(term + 1);
    for (let v = 0; v < 5; v++) await cutOff.change({ widgetId: 'healed', expectedVersion: v });
    await deliveredOnce(other, 'healed', 5);
  });

  it('keeps exactly one leader when the leader\'s session is cut without a goodbye, and events keep flowing', async () => {
    const leader = await elected();
    const { term } = await lease();
    // The leader's dedicated session is cut (a DBA's pg_terminate_backend, a proxy restart).
    const { rows: killed } = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid`, [await lockHolders()]);
    expect(killed).toEqual([{ ok: true }]);
    // The instance that lost its session stops leading as soon as it notices, and one leader follows.
    await eventually(async () => !leader.relay.isLeader || (await lease()).term > term, 5000);
    const next = await eventually(async () => leaders().length === 1 && (await lockHolders()).length === 1 && leaders()[0], 5000);
    await expectSoleLeader(next);
    expect((await lease()).term).toBe(term + 1);
    const before = await next.count(`SELECT count(*) AS n FROM platform.event_log`);
    await next.change({ widgetId: 'after-kill', expectedVersion: 0 });
    await deliveredOnce(next, 'after-kill', 1);
    expect(await next.count(`SELECT count(*) AS n FROM platform.event_log`)).toBe(before + 1);
  });
});
