import { AppProcess, FaultDb, createFaultDatabase, delay, killAll, startAppProcess, until } from './support/harness';
import { ACT_HANDLER, RECORD_HANDLER, appendProbes, createProbeTables, effects } from './support/probe';

jest.setTimeout(180_000);

/** RELAY_LEASE_MS of the processes (the default). */
const LEASE_MS = 5000;
/** Stated bound: events committed after the leader froze or died reach their handlers within the lease + 3 s. */
const TAKEOVER_BOUND_MS = LEASE_MS + 3000;

/** What one process's /metrics says about `rcp_relay_leader`; undefined when it does not answer (frozen). */
async function leads(p: AppProcess): Promise<boolean | undefined> {
  try {
    const res = await fetch(`${p.baseUrl}/metrics`, { signal: AbortSignal.timeout(1000) });
    const m = /^rcp_relay_leader (\d+)$/m.exec(await res.text());
    return m ? m[1] === '1' : undefined;
  } catch {
    return undefined;
  }
}

/** `rcp_relay_events_total` of one process: events its relay claimed since it started. */
async function relayed(p: AppProcess): Promise<number> {
  const m = /^rcp_relay_events_total (\d+)$/m.exec(await p.metrics());
  return Number(m?.[1] ?? NaN);
}

interface Scrape {
  /** When the round of scrapes was sent. */
  sentAt: number;
  /** Per process: what it answered and when the answer came (undefined: no answer within 1 s). */
  answers: Array<{ leading: boolean | undefined; at: number }>;
}

const scrapers = new Set<() => Promise<void>>();

/** Scrapes every process's /metrics together, again and again, until stopped; keeps every round. */
function scrapeContinuously(procs: AppProcess[]): { samples: Scrape[]; stop: () => Promise<void> } {
  const samples: Scrape[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const sentAt = Date.now();
      const answers = await Promise.all(procs.map(async (p) => ({ leading: await leads(p), at: Date.now() })));
      samples.push({ sentAt, answers });
      await delay(100);
    }
  })();
  const stop = async () => {
    on = false;
    scrapers.delete(stop);
    await loop;
  };
  scrapers.add(stop);
  return { samples, stop };
}

/** Every effect once, and each aggregate's events in order per handler. */
async function expectEachOnceInOrder(db: FaultDb, expected: Map<string, number>): Promise<void> {
  const all = await effects(db);
  const total = [...expected.values()].reduce((a, b) => a + b, 0) * 2;
  expect(all).toHaveLength(total);
  expect(new Set(all.map((e) => `${e.handler}/${e.event_id}`)).size).toBe(total);
  for (const handler of [RECORD_HANDLER, ACT_HANDLER]) {
    for (const [aggregate, versions] of expected) {
      const ns = all.filter((e) => e.handler === handler && e.aggregate_id === aggregate).map((e) => e.n);
      expect({ handler, aggregate, ns }).toEqual({ handler, aggregate, ns: Array.from({ length: versions }, (_, i) => i + 1) });
    }
  }
}

/**
 * Issue 11 item 5 with real processes: a relay leader that is frozen (SIGSTOP: its sockets stay open, so
 * Postgres sees a healthy session holding the lock) or killed is replaced within seconds, and a frozen
 * leader that thaws neither leads again nor says it does.
 */
describe('a frozen or killed relay leader', () => {
  let db: FaultDb;
  let procs: AppProcess[] = [];
  /** Versions appended so far per aggregate. */
  const appended = new Map<string, number>();

  beforeAll(async () => {
    db = await createFaultDatabase();
    await createProbeTables(db);
  });
  afterAll(async () => {
    for (const stop of [...scrapers]) await stop();
    await killAll();
    await db?.close();
  });

  /** Appends the next `count` versions of each aggregate, one transaction per version. */
  const append = async (aggregates: string[], count: number) => {
    for (let i = 0; i < count; i++) {
      await appendProbes(
        db,
        aggregates.map((a) => {
          const n = (appended.get(a) ?? 0) + 1;
          appended.set(a, n);
          return { aggregateId: a, n };
        }),
      );
    }
  };
  const effectsOf = (prefix: string) => db.count(`SELECT count(*) AS n FROM fault_test.effects WHERE aggregate_id LIKE $1 || '%'`, [prefix]);
  const versionsOf = (prefix: string) => [...appended].filter(([a]) => a.startsWith(prefix)).reduce((s, [, n]) => s + n, 0);
  const lockHolders = () =>
    db.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 7263002 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
  /** The one process that reports leading while every other answers and reports not leading. */
  const soleLeader = (among: AppProcess[]) =>
    until(
      async () => {
        const leading = await Promise.all(among.map(leads));
        if (leading.some((l) => l === undefined) || leading.filter(Boolean).length !== 1) return undefined;
        return among[leading.indexOf(true)];
      },
      20_000,
      'exactly one process reporting rcp_relay_leader 1',
    );

  it('hands the relay to the other worker within the lease when the leader is frozen, and the thawed one does not lead again', async () => {
    procs = [
      await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'worker-1' }),
      await startAppProcess({ db, role: 'worker', fixture: 'fixtures/probe.fixture', name: 'worker-2' }),
    ];
    const leader = await soleLeader(procs);
    const follower = procs.find((p) => p !== leader)!;

    // Warm up: both regimes deliver events of the same aggregates, so order is checked across the change.
    const warm = ['warm-0', 'warm-1', 'warm-2', 'warm-3'];
    await append(warm, 3);
    await until(async () => (await effectsOf('warm-')) === versionsOf('warm-') * 2, 20_000, 'warm-up effects');
    const relayedBeforeFreeze = await relayed(leader);
    expect(relayedBeforeFreeze).toBe(versionsOf('warm-'));

    const scrapes = scrapeContinuously([leader, follower]);
    leader.signal('SIGSTOP');
    const frozenAt = Date.now();
    const frozen = ['frozen-0', 'frozen-1', 'frozen-2', 'frozen-3'];
    await append([...frozen, ...warm], 3);
    await until(
      async () => (await effectsOf('frozen-')) === versionsOf('frozen-') * 2 && (await effectsOf('warm-')) === versionsOf('warm-') * 2,
      TAKEOVER_BOUND_MS - (Date.now() - frozenAt),
      `events committed after the freeze handled within ${TAKEOVER_BOUND_MS} ms of it`,
    );
    expect(await leads(follower)).toBe(true);

    leader.signal('SIGCONT');
    const thawedAt = Date.now();
    await leader.waitForOutput(/relay leadership lost/, 10_000);
    const thawed = ['thawed-0', 'thawed-1'];
    await append([...thawed, ...frozen, ...warm], 3);
    await until(
      async () => (await db.count(`SELECT count(*) AS n FROM fault_test.effects`)) === [...appended.values()].reduce((a, b) => a + b, 0) * 2,
      20_000,
      'every effect after the thaw',
    );
    await delay(LEASE_MS); // keep scraping past one more lease: the thawed process must not come back
    await scrapes.stop();

    // At no scrape after the thaw do both report leading; the thawed process never says it leads again
    // (also not in an answer to a request it received while frozen), and the new leader keeps saying so.
    const afterThaw = scrapes.samples.filter((s) => s.sentAt > thawedAt);
    const leading = (s: Scrape) => s.answers.map((a) => a.leading);
    expect(afterThaw.filter((s) => s.answers.every((a) => a.leading)).map(leading)).toEqual([]);
    expect(scrapes.samples.filter((s) => s.answers[0].at > thawedAt && s.answers[0].leading === true).map(leading)).toEqual([]);
    expect(afterThaw.filter((s) => s.answers[1].leading === false).map(leading)).toEqual([]);
    expect(afterThaw.filter((s) => s.answers[0].leading === false && s.answers[1].leading === true).length).toBeGreaterThan(10);
    // The thawed process claimed nothing after the freeze: every later event went through the new leader.
    expect(await relayed(leader)).toBe(relayedBeforeFreeze);
    expect(await relayed(follower)).toBe([...appended.values()].reduce((a, b) => a + b, 0) - relayedBeforeFreeze);
    expect(await lockHolders()).toHaveLength(1);
    await expectEachOnceInOrder(db, appended);
  });

  it('hands the relay over within the lease when the leader is killed', async () => {
    for (const p of procs) p.signal('SIGCONT'); // whatever the test before left frozen
    const leader = await soleLeader(procs);
    const follower = procs.find((p) => p !== leader)!;
    leader.signal('SIGKILL');
    const killedAt = Date.now();
    expect((await leader.exited).signal).toBe('SIGKILL');
    const killed = ['killed-0', 'killed-1', 'killed-2'];
    await append(killed, 3);
    await until(
      async () => (await effectsOf('killed-')) === versionsOf('killed-') * 2,
      TAKEOVER_BOUND_MS - (Date.now() - killedAt),
      `events committed after the kill handled within ${TAKEOVER_BOUND_MS} ms of it`,
    );
    expect(await soleLeader([follower])).toBe(follower);
    expect(await lockHolders()).toHaveLength(1);
    await expectEachOnceInOrder(db, appended);
    const stopped = await follower.stop(20_000);
    expect(stopped.graceful).toBe(true);
  });
});
