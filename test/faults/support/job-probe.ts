import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { JOBS_QUEUE, bullConnection } from '@rcp/jobs';
import { TEST_REDIS_URL } from '@rcp/testing';
import { FaultDb } from './harness';

/**
 * The test side of the jobs fixture (`fixtures/jobs.fixture.ts`): its job name, the tables its runs
 * write to, a ledger trail of every job's transitions, and helpers to enqueue jobs and read it all.
 * Test code only.
 */

export const EFFECT_JOB = 'faulttest.effect';

export interface EffectJobPayload {
  key: string;
  /** How long the job's first call works before its effect (later calls do not wait). */
  slowFirstMs?: number;
}

export interface JobCall {
  job_id: string;
  attempt: number;
  idempotency_key: string | null;
  process_pid: number;
  returned: boolean;
}

/**
 * Creates the fixture's tables (as the owner), readable and writable by the app, and a trigger that
 * records every state change of `platform.jobs` in `fault_test.job_transitions`.
 */
export async function createJobProbeTables(db: FaultDb): Promise<void> {
  await db.query(`
    CREATE SCHEMA IF NOT EXISTS fault_test;
    GRANT USAGE ON SCHEMA fault_test TO rcp_app;
    CREATE TABLE IF NOT EXISTS fault_test.job_calls (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, attempt integer NOT NULL, idempotency_key text, process_pid integer NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp(), returned_at timestamptz);
    CREATE TABLE IF NOT EXISTS fault_test.outside_calls (
      idempotency_key text PRIMARY KEY, job_id uuid NOT NULL, process_pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS fault_test.job_effects (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, key text NOT NULL, process_pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS fault_test.job_transitions (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, state text NOT NULL, attempts integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fault_test TO rcp_app;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA fault_test TO rcp_app;
    CREATE OR REPLACE FUNCTION fault_test.record_job_transition() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO fault_test.job_transitions (job_id, state, attempts) VALUES (NEW.id, NEW.state, NEW.attempts);
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS record_job_transition ON platform.jobs;
    CREATE TRIGGER record_job_transition AFTER INSERT OR UPDATE ON platform.jobs
      FOR EACH ROW EXECUTE FUNCTION fault_test.record_job_transition();
  `);
}

/**
 * Enqueues fixture jobs as `JobsService.enqueue` does: a `queued` row of the ledger, then the BullMQ
 * hint (`<id>-0`) after commit. Returns the job ids in order.
 */
export async function enqueueEffectJobs(db: FaultDb, payloads: EffectJobPayload[]): Promise<string[]> {
  const ids = payloads.map(() => randomUUID());
  for (const [i, p] of payloads.entries()) {
    await db.query(
      `INSERT INTO platform.jobs (id, tenant_id, name, payload, state, max_attempts, target_type, target_id, run_at)
       VALUES ($1, 'fault-tenant', $2, $3::jsonb, 'queued', 5, 'fault-test', $4, clock_timestamp())`,
      [ids[i], EFFECT_JOB, JSON.stringify(p), p.key],
    );
  }
  const queue = new Queue(JOBS_QUEUE, { connection: bullConnection(TEST_REDIS_URL), prefix: db.prefix });
  try {
    for (const id of ids) await queue.add('run', { jobId: id }, { jobId: `${id}-0`, removeOnComplete: true, removeOnFail: true, attempts: 1 });
  } finally {
    await queue.close();
  }
  return ids;
}

/** Every call of the fixture job, in call order. */
export async function jobCalls(db: FaultDb, jobId?: string): Promise<JobCall[]> {
  return db.query<JobCall>(
    `SELECT job_id, attempt, idempotency_key, process_pid, returned_at IS NOT NULL AS returned FROM fault_test.job_calls
     WHERE $1::uuid IS NULL OR job_id = $1 ORDER BY id`,
    [jobId ?? null],
  );
}

/** The job's states in the order the ledger went through them. */
export async function jobTransitions(db: FaultDb, jobId: string): Promise<string[]> {
  return (await db.query<{ state: string }>(`SELECT state FROM fault_test.job_transitions WHERE job_id = $1 ORDER BY id`, [jobId])).map((r) => r.state);
}

/** The ledger row of one job. */
export async function ledger(db: FaultDb, jobId: string): Promise<{ state: string; attempts: number; finished_at: Date | null }> {
  const [row] = await db.query<{ state: string; attempts: number; finished_at: Date | null }>(`SELECT state, attempts, finished_at FROM platform.jobs WHERE id = $1`, [jobId]);
  return row;
}

/** Effects of the fixture job (committed with its `completed` mark), per job. */
export async function jobEffects(db: FaultDb, jobId: string): Promise<Array<{ process_pid: number }>> {
  return db.query(`SELECT process_pid FROM fault_test.job_effects WHERE job_id = $1 ORDER BY id`, [jobId]);
}

/** How many times the outside world did the work of a job (once per idempotency key; every call without one). */
export function outsideWork(db: FaultDb, jobId: string): Promise<number> {
  return db.count(`SELECT count(*) AS n FROM fault_test.outside_calls WHERE job_id = $1`, [jobId]);
}
