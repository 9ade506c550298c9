/** The drift context's jobs. */
export const DRIFT_JOBS = {
  /** One environment, on demand (`POST …/reconcile`): one open job per environment. */
  reconcile: 'drift.reconcile',
  /** A batch of due environments the schedule claimed. */
  reconcileBatch: 'drift.reconcile-batch',
  /** The schedule's periodic task (on the worker leader): claims due environments into batches. */
  schedule: 'drift.schedule',
} as const;

export interface ReconcileJobPayload {
  environmentId: string;
}

export interface ReconcileBatchPayload {
  environmentIds: string[];
  /** When the schedule claimed them: a change that arrives after this is kept for the next run. */
  claimedAt: string;
}
