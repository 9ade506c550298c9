import { SetMetadata } from '@nestjs/common';

export const JOB_HANDLER_METADATA = 'rcp:job-handler';

export interface JobInfo {
  id: string;
  name: string;
  attempt: number;
  maxAttempts: number;
  tenantId: string | null;
  targetType: string | null;
  targetId: string | null;
  /** The job this one is an internal step of (null: a job of its own, e.g. the one a 202 returned). */
  parentId: string | null;
  /**
   * The same for every run of this job (its id): send it with every call to the outside world (as an
   * `Idempotency-Key` header, say). A run that lost its lease, and the run that took the job over, may
   * both make the call; the key lets the other side do the work once.
   */
  idempotencyKey: string;
}

/**
 * A unit of background work. `run` executes inside a Postgres transaction that also marks the job
 * completed, so its database effects happen exactly once even if BullMQ delivers the job twice (after a
 * Redis restart, say), in the job's tenant scope (platform for a job without a tenant, or a handler
 * declared `@PlatformScope(reason)`). Keep it short: call ports that start work, not ones that wait for it.
 */
export interface JobHandler<P = unknown> {
  run(payload: P, job: JobInfo): Promise<unknown>;
}

/** Registers a provider as the handler of the named job. */
export const HandlesJob = (name: string) => SetMetadata(JOB_HANDLER_METADATA, name);

/**
 * What a handler returns when its job stands for work that ends later, elsewhere (an operation on
 * external infrastructure): the job stays `running`, without a lease (no worker holds it, the sweeper
 * leaves it alone), until the work's outcome ends it through `JobsService.settle`. So the job a user
 * was given follows the work to its end instead of completing when the work was merely started.
 */
export class AwaitingOutcome {
  constructor(readonly result: unknown = null) {}
}

/** A failure that retrying cannot fix: the job goes straight to `failed`. */
export class NonRetryableJobError extends Error {}

/** Backoff before the next attempt after n failures: `baseMs` (default 1 s), 2×, 4× … capped at 10 min. */
export function jobBackoffMs(failures: number, baseMs = 1000): number {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), 600_000);
}
