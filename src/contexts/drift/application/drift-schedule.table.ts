import { EntityManager } from 'typeorm';
import { rowsOf } from '@rcp/persistence';

/**
 * `drift.schedule`: when each environment with a desired state is reconciled next. A change to what it
 * compares (a desired state, what runs, health, a rollout's end) pulls the next run forward to within
 * the debounce (`soon`); the schedule claims due rows for a lease, and a run sets the next time (its
 * interval with ±10 % jitter), keeping a change that arrived while it ran.
 */
export const DriftScheduleTable = {
  /** Reconcile within `debounceSeconds` (no-op for an environment without a desired state). */
  async soon(db: EntityManager, environmentId: string, debounceSeconds: number): Promise<void> {
    await db.query(
      `UPDATE drift.schedule SET change_requested_at = clock_timestamp(), next_at = LEAST(next_at, clock_timestamp() + make_interval(secs => $2))
       WHERE environment_id = $1`,
      [environmentId, debounceSeconds],
    );
  },

  /**
   * A run ended: the next one is due after the environment's interval (its policy's, else
   * `defaultSeconds`; 0: never by schedule) with ±10 % jitter, unless a change arrived after `since`
   * (the claim or the start of the run), which keeps its earlier time.
   */
  async done(db: EntityManager, environmentId: string, since: Date, defaultSeconds: number, error: string | null = null): Promise<void> {
    await db.query(
      `UPDATE drift.schedule SET
         next_at = CASE WHEN change_requested_at > $2 THEN next_at
                        WHEN coalesce(interval_seconds, $3) <= 0 THEN 'infinity'::timestamptz
                        ELSE clock_timestamp() + make_interval(secs => coalesce(interval_seconds, $3) * (0.9 + random() * 0.2)) END,
         change_requested_at = CASE WHEN change_requested_at > $2 THEN change_requested_at ELSE NULL END,
         claimed_until = NULL, last_reconciled_at = clock_timestamp(), last_error = $4
       WHERE environment_id = $1`,
      [environmentId, since, defaultSeconds, error],
    );
  },

  /**
   * Claims up to `limit` environments whose time has come, for `leaseSeconds` (a worker that dies
   * mid-run leaves them to the next claim after the lease). Skips rows another claim holds.
   */
  async claimDue(db: EntityManager, limit: number, leaseSeconds: number): Promise<Array<{ environmentId: string; tenantId: string }>> {
    const result: unknown = await db.query(
      `UPDATE drift.schedule s SET claimed_until = clock_timestamp() + make_interval(secs => $2)
       WHERE s.environment_id IN (
         SELECT environment_id FROM drift.schedule
         WHERE next_at <= clock_timestamp() AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING s.environment_id, s.tenant_id`,
      [limit, leaseSeconds],
    );
    return rowsOf<{ environment_id: string; tenant_id: string }>(result).map((r) => ({ environmentId: r.environment_id, tenantId: r.tenant_id }));
  },

  async of(db: EntityManager, environmentId: string): Promise<{ nextAt: Date | null; lastReconciledAt: Date | null } | null> {
    const rows: Array<{ next_at: Date; last_reconciled_at: Date | null }> = await db.query(`SELECT next_at, last_reconciled_at FROM drift.schedule WHERE environment_id = $1`, [environmentId]);
    const r = rows[0];
    if (!r) return null;
    const next = new Date(r.next_at);
    return { nextAt: Number.isFinite(next.getTime()) ? next : null, lastReconciledAt: r.last_reconciled_at ? new Date(r.last_reconciled_at) : null };
  },
};
