import { Client } from 'pg';
import { JobRunner, JobsService } from '@rcp/jobs';
import { DeliveryWorker, OutboxRelay, OutboxWriter } from '@rcp/messaging';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { deleteRedisKeys, startTestApp } from '@rcp/testing';
import { WorkerRuntime } from '../../src/platform/worker-runtime';
import {
  ChangeWidget,
  NotifyOnWidgetChangedHandler,
  ProjectWidgetOnWidgetChangedHandler,
  SpineTestModule,
  asTenantUser,
  changeWidget,
  createSpineTestTables,
} from './spine-fixtures';

/** Settings that keep the spine's timers short in tests (each test may override them). */
export const FAST_SPINE: Record<string, string> = {
  SIMULATED_LATENCY_MS: '5',
  RELAY_IDLE_MAX_MS: '50',
  DELIVERY_BACKOFF_BASE_MS: '10',
  JOB_BACKOFF_BASE_MS: '20',
};

export interface EffectRow {
  handler: string;
  event_id: string;
  aggregate_id: string;
  n: number;
  label: string | null;
  position: string | null;
}

/**
 * The real application with the spine's test fixtures ({@link SpineTestModule}) and typed access to
 * the parts the spine tests drive. Pass `database` (the `{ url, prefix }` of a first app) to start a
 * second process-like instance on the same database and Redis prefix.
 */
export async function startSpineApp(overrides: Record<string, string> = {}, database?: { url: string; prefix: string }) {
  const t = await startTestApp({ ...FAST_SPINE, ...overrides }, database, { extraModules: [SpineTestModule] });
  if (!database) {
    const owner = await adminClient(t.dbUrl);
    await createSpineTestTables(owner).finally(() => owner.end());
  }
  const get = <T>(cls: abstract new (...args: never[]) => T): T => t.app.get(cls as never);
  const uow = get(UnitOfWork);
  const tx = get(TransactionManager);
  const outbox = get(OutboxWriter);
  return {
    ...t,
    uow,
    tx,
    outbox,
    relay: get(OutboxRelay),
    deliveries: get(DeliveryWorker),
    jobs: get(JobsService),
    runner: get(JobRunner),
    runtime: get(WorkerRuntime),
    project: get(ProjectWidgetOnWidgetChangedHandler),
    notify: get(NotifyOnWidgetChangedHandler),
    /** Runs the widget command as a tenant user. */
    change: (cmd: ChangeWidget) => asTenantUser(() => changeWidget({ uow, tx, outbox }, cmd)),
    /** Effects written by the test handlers, in the order they committed. */
    effects: (handler?: string): Promise<EffectRow[]> =>
      t.ds.query(
        `SELECT handler, event_id, aggregate_id, n, label, position FROM spine_test.effects WHERE $1::text IS NULL OR handler = $1 ORDER BY id`,
        [handler ?? null],
      ),
    count: async (sql: string, params: unknown[] = []): Promise<number> => Number((await t.ds.query(sql, params))[0].n),
  };
}

export type SpineApp = Awaited<ReturnType<typeof startSpineApp>>;

/** A plain connection as the database owner, outside the application (to hold locks, kill sessions). */
export async function adminClient(url: string): Promise<Client> {
  const c = new Client({ connectionString: url, application_name: 'rcp-test-admin' });
  await c.connect();
  return c;
}

/** Deletes every Redis key under one prefix (a test's own), never anything else. Returns how many. */
export const deletePrefixedKeys = (prefix: string): Promise<number> => deleteRedisKeys(`${prefix}:*`);

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise plus its resolver, to hold work at a chosen point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
