import { FaultDb, OutboxEvent, appendEvents } from './harness';

/**
 * The test side of the probe fixture (`fixtures/probe.fixture.ts`): its event type, handler names, the
 * tables its handlers write to, and helpers to steer and read them. Test code only.
 */

export const PROBE_EVENT = 'rcp.faulttest.probe-recorded.v1';
/** Records every event it is given; never misbehaves. */
export const RECORD_HANDLER = 'RecordOnProbeRecordedHandler';
/** Does what `fault_test.behaviours` says for the event's aggregate (hang, slow, fail), then records it. */
export const ACT_HANDLER = 'ActOnProbeRecordedHandler';

/**
 * What {@link ACT_HANDLER} does for an aggregate: `hang` (a promise that never settles), `hang-db`
 * (`pg_sleep(3600)` inside its transaction), `slow:<ms>` (then records), `fail` (records, then throws,
 * so the effect is rolled back); anything else, or no row: records.
 */
export type ProbeBehaviour = 'hang' | 'hang-db' | `slow:${number}` | 'fail' | 'ok';

export interface ProbeEffect {
  id: string;
  handler: string;
  event_id: string;
  aggregate_id: string;
  n: number;
  /** Milliseconds from the event's time (set just before its commit) to the handler's effect. */
  latency_ms: number;
  process_pid: number;
}

export interface ProbeAttempt {
  handler: string;
  event_id: string;
  aggregate_id: string;
  n: number;
  mode: string;
}

/** Creates the fixture's tables in the test database (as the owner), readable and writable by the app. */
export async function createProbeTables(db: FaultDb): Promise<void> {
  await db.query(`
    CREATE SCHEMA IF NOT EXISTS fault_test;
    GRANT USAGE ON SCHEMA fault_test TO rcp_app;
    CREATE TABLE IF NOT EXISTS fault_test.effects (
      id bigserial PRIMARY KEY, handler text NOT NULL, event_id uuid NOT NULL, aggregate_id text NOT NULL, n integer NOT NULL,
      event_time timestamptz NOT NULL, handled_at timestamptz NOT NULL DEFAULT clock_timestamp(), process_pid integer NOT NULL);
    CREATE TABLE IF NOT EXISTS fault_test.attempts (
      id bigserial PRIMARY KEY, handler text NOT NULL, event_id uuid NOT NULL, aggregate_id text NOT NULL, n integer NOT NULL,
      mode text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), process_pid integer NOT NULL);
    CREATE TABLE IF NOT EXISTS fault_test.behaviours (aggregate_id text PRIMARY KEY, mode text NOT NULL);
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fault_test TO rcp_app;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA fault_test TO rcp_app;
  `);
}

/** Sets what {@link ACT_HANDLER} does for one aggregate from its next call on. */
export async function setBehaviour(db: FaultDb, aggregateId: string, mode: ProbeBehaviour): Promise<void> {
  await db.query(`INSERT INTO fault_test.behaviours (aggregate_id, mode) VALUES ($1, $2) ON CONFLICT (aggregate_id) DO UPDATE SET mode = EXCLUDED.mode`, [
    aggregateId,
    mode,
  ]);
}

/** Appends probe events: `n` is the aggregate's version (1, 2, …). Returns their ids. */
export function appendProbes(db: FaultDb, probes: Array<{ aggregateId: string; n: number }>): Promise<string[]> {
  const events: OutboxEvent[] = probes.map((p) => ({ type: PROBE_EVENT, aggregateId: p.aggregateId, aggregateVersion: p.n, data: { key: p.aggregateId, n: p.n }, tenantId: 'fault-tenant' }));
  return appendEvents(db, events);
}

/** Effects in the order they committed, optionally of one handler and/or aggregates starting with a prefix. */
export function effects(db: FaultDb, filter: { handler?: string; aggregatePrefix?: string } = {}): Promise<ProbeEffect[]> {
  return db.query<ProbeEffect>(
    `SELECT id, handler, event_id, aggregate_id, n, EXTRACT(EPOCH FROM handled_at - event_time) * 1000 AS latency_ms, process_pid
     FROM fault_test.effects
     WHERE ($1::text IS NULL OR handler = $1) AND ($2::text IS NULL OR aggregate_id LIKE $2 || '%')
     ORDER BY id`,
    [filter.handler ?? null, filter.aggregatePrefix ?? null],
  ).then((rows) => rows.map((r) => ({ ...r, n: Number(r.n), latency_ms: Number(r.latency_ms) })));
}

/** Every call of a handler (attempts included, recorded outside its transaction), in call order. */
export function attempts(db: FaultDb, handler: string, aggregateId: string): Promise<ProbeAttempt[]> {
  return db.query<ProbeAttempt>(
    `SELECT handler, event_id, aggregate_id, n, mode FROM fault_test.attempts WHERE handler = $1 AND aggregate_id = $2 ORDER BY id`,
    [handler, aggregateId],
  );
}
