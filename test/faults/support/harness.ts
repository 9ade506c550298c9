import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Pool, PoolClient } from 'pg';
import { TEST_JWT_SECRET, TEST_REDIS_URL, createTestDatabase, eventually, testRedisPrefix } from '@rcp/testing';
import { ensureBuild } from './build';

/**
 * The fault-test harness: real application processes (the same `createApp` as `npm start`, started by
 * `fault-app.ts`) on one shared test database and Redis prefix, signals to kill, freeze, thaw and stop
 * them, and a plain connection pool to the database for the test's own queries. The machine has two
 * cores: keep to one or two application processes per test.
 */

const ROOT = resolve(__dirname, '../../..');

/** How to run `fault-app`: the transpiled build (default, fast start) or ts-node (FAULT_TS_NODE=1). */
function entryCommand(): { args: string[]; env: Record<string, string> } {
  if (process.env.FAULT_TS_NODE === '1') {
    return { args: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', resolve(__dirname, 'fault-app.ts')], env: { TS_NODE_TRANSPILE_ONLY: 'true' } };
  }
  const out = ensureBuild();
  return {
    args: ['--enable-source-maps', '-r', 'tsconfig-paths/register', resolve(out, 'test/faults/support/fault-app.js')],
    env: { TS_NODE_PROJECT: resolve(out, 'tsconfig.json') },
  };
}

/** Settings every fault-test process gets unless the test overrides them (short timers, quiet logs). */
export const FAULT_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'test',
  // The test run's random secret (there is no default secret): the processes and the test's tokens agree.
  JWT_SECRET: TEST_JWT_SECRET,
  LOG_LEVEL: 'warn',
  REDIS_URL: TEST_REDIS_URL,
  SIMULATED_LATENCY_MS: '5',
  RELAY_IDLE_MAX_MS: '50',
  DELIVERY_BACKOFF_BASE_MS: '20',
  JOB_BACKOFF_BASE_MS: '20',
  PORT: '0',
};

/** The database and Redis prefix the processes of one test file share, and a pool for the test's queries. */
export interface FaultDb {
  url: string;
  prefix: string;
  pool: Pool;
  /** Runs one statement as the database owner and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** One number from `SELECT … AS n`. */
  count(sql: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** A fresh migrated database (cloned from the run's template) and a Redis prefix of its own. */
export async function createFaultDatabase(): Promise<FaultDb> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 4, application_name: 'rcp-fault-test' });
  pool.on('error', () => undefined); // a test may terminate backends; an idle client dying is fine
  const query = async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[];
  return {
    url: db.url,
    prefix: testRedisPrefix(),
    pool,
    query,
    count: async (sql, params) => Number((await query<{ n: unknown }>(sql, params))[0].n),
    close: async () => {
      await pool.end().catch(() => undefined);
      await db.drop();
    },
  };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process exited (Date.now()). */
  at: number;
}

/** One application process of a fault test. */
export interface AppProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<ExitInfo>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line matching `re` (also one written before the call). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal: SIGKILL (crash), SIGSTOP (freeze), SIGCONT (thaw), SIGTERM (graceful stop). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then waits up to `timeoutMs` for the exit (SIGKILL after that); returns how it ended and how long it took. */
  stop(timeoutMs?: number): Promise<ExitInfo & { ms: number; graceful: boolean }>;
  /** GET/POST on the process's HTTP port. */
  http(path: string, init?: RequestInit): Promise<Response>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
}

const running = new Set<AppProcess>();

export interface StartOptions {
  db: Pick<FaultDb, 'url' | 'prefix'>;
  /** RCP_ROLE: api, worker or all (default worker). */
  role?: 'all' | 'api' | 'worker';
  /** Module under test/faults/ exporting `FaultFixtureModule` (e.g. `fixtures/probe.fixture`). */
  fixture?: string;
  /** More settings (and fixture switches) for this process. */
  env?: Record<string, string>;
  name?: string;
  /** How long start-up may take (ts-node compiles the app on the fly: several seconds). */
  readyTimeoutMs?: number;
  /** Run it as the leader of a process group of its own: every {@link AppProcess.signal} then goes to the whole group. */
  ownGroup?: boolean;
}

/**
 * Spawns the real application as a separate node process and waits until it listens and `/readyz`
 * answers 200. The process is killed by {@link killAll} (call it in `afterAll`) if the test leaves it.
 */
export async function startAppProcess(opts: StartOptions): Promise<AppProcess> {
  const name = opts.name ?? `${opts.role ?? 'worker'}-${randomBytes(2).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...FAULT_DEFAULTS,
    DATABASE_URL: opts.db.url,
    REDIS_PREFIX: opts.db.prefix,
    RCP_ROLE: opts.role ?? 'worker',
    ...(opts.fixture ? { FAULT_FIXTURE: opts.fixture } : {}),
    ...opts.env,
  };
  const entry = entryCommand();
  const child = spawn(process.execPath, entry.args, {
    cwd: ROOT,
    env: { ...env, ...entry.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownGroup === true,
  });
  let out = '';
  const watchers = new Set<{ re: RegExp; resolve: (line: string) => void }>();
  let pending = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out += text;
    if (process.env.FAULT_ECHO) process.stderr.write(`[${name}] ${text}`);
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...watchers]) {
        if (w.re.test(line)) {
          watchers.delete(w);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<ExitInfo>((res) => child.once('exit', (code, signal) => res({ code, signal, at: Date.now() })));

  const waitForOutput = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((res, rej) => {
      const already = out.split('\n').find((l) => re.test(l));
      if (already !== undefined) return res(already);
      const timer = setTimeout(() => {
        watchers.delete(w);
        rej(new Error(`${name}: no output matching ${re} within ${timeoutMs} ms; output so far:\n${out.slice(-4000)}`));
      }, timeoutMs);
      const w = {
        re,
        resolve: (line: string) => {
          clearTimeout(timer);
          res(line);
        },
      };
      watchers.add(w);
      void exited.then(() => {
        if (!watchers.has(w)) return;
        watchers.delete(w);
        clearTimeout(timer);
        rej(new Error(`${name} exited before printing ${re}; output:\n${out.slice(-4000)}`));
      });
    });

  const proc: AppProcess = {
    name,
    pid: child.pid!,
    port: 0,
    baseUrl: '',
    child,
    exited,
    output: () => out,
    waitForOutput,
    signal: (sig) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!opts.ownGroup) child.kill(sig);
      else {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // the group has gone meanwhile
        }
      }
    },
    stop: async (timeoutMs = 30_000) => {
      const started = Date.now();
      proc.signal('SIGCONT'); // a frozen process cannot stop
      proc.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      const first = await Promise.race([exited, forced]);
      clearTimeout(timer);
      if (first === 'timeout') {
        proc.signal('SIGKILL');
        const info = await exited;
        return { ...info, ms: Date.now() - started, graceful: false };
      }
      return { ...first, ms: first.at - started, graceful: /FAULT_APP_CLOSED/.test(out) };
    },
    http: (path, init) => fetch(`${proc.baseUrl}${path}`, init),
    metrics: async () => (await proc.http('/metrics')).text(),
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));

  try {
    const line = await waitForOutput(/^FAULT_APP_READY /, opts.readyTimeoutMs ?? 60_000);
    const { port } = JSON.parse(line.slice('FAULT_APP_READY '.length)) as { port: number };
    Object.assign(proc, { port, baseUrl: `http://127.0.0.1:${port}` });
    await until(async () => (await proc.http('/readyz')).status === 200, 20_000, `${name} /readyz`);
  } catch (err) {
    proc.signal('SIGKILL');
    throw err;
  }
  return proc;
}

/** SIGKILLs every process the harness started that is still running (for `afterAll`). */
export async function killAll(): Promise<void> {
  const all = [...running];
  for (const p of all) {
    p.signal('SIGCONT');
    p.signal('SIGKILL');
  }
  await Promise.all(all.map((p) => p.exited));
}

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`, naming `what`. */
export function until<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition', everyMs = 50): Promise<T> {
  return eventually(check, timeoutMs, everyMs, what);
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Percentile (0–100) of a list of numbers (nearest rank); NaN for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface OutboxEvent {
  type: string;
  aggregateId: string;
  aggregateVersion: number;
  data: object;
  tenantId?: string;
  aggregateType?: string;
}

/**
 * Appends events to `platform.outbox_events` exactly as a command's transaction does (one CloudEvents
 * envelope per event, committed together), then sends the wake-up NOTIFY a command sends after commit.
 * Returns the event ids in order.
 */
export async function appendEvents(db: Pick<FaultDb, 'pool'>, events: OutboxEvent[]): Promise<string[]> {
  const client: PoolClient = await db.pool.connect();
  const ids: string[] = [];
  try {
    await client.query('BEGIN');
    for (const e of events) {
      const id = randomUUID();
      ids.push(id);
      const context = e.type.split('.')[1];
      const envelope = {
        specversion: '1.0',
        id,
        source: `/rcp/${context}`,
        type: e.type,
        subject: e.aggregateId,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: e.data,
        ...(e.tenantId ? { tenantid: e.tenantId } : {}),
        moduleid: context,
        traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
        correlationid: randomUUID(),
        aggregatetype: e.aggregateType ?? 'FaultTest',
        aggregateversion: String(e.aggregateVersion),
      };
      await client.query(
        `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
        [id, e.tenantId ?? null, e.type, e.aggregateType ?? 'FaultTest', e.aggregateId, e.aggregateVersion, JSON.stringify(envelope)],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  await db.pool.query(`NOTIFY rcp_outbox`).catch(() => undefined);
  return ids;
}

/**
 * The suite's database, for a `describe` block: created (and given its tables by `prepare`) before the
 * suite's tests, and after them every process is killed and the database dropped. The object stands for
 * the database from the first test on.
 */
export function useFaultDatabase(prepare?: (db: FaultDb) => Promise<void>): FaultDb {
  let db: FaultDb | undefined;
  beforeAll(async () => {
    db = await createFaultDatabase();
    await prepare?.(db);
  });
  afterAll(async () => {
    await killAll();
    await db?.close();
  });
  return new Proxy({} as FaultDb, {
    get: (_, key) => {
      if (!db) throw new Error('The fault database exists only while the suite runs (from its first test on)');
      return db[key as keyof FaultDb];
    },
  });
}
