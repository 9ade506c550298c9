import { Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobRef, JobsService, jobBackoffMs } from '@rcp/jobs';
import { OperationKind } from '../domain/provisioning-policy';
import { NextStep, RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { DispatchJobPayload, EnvironmentJobPayload, INVENTORY_JOBS, TimeoutJobPayload } from './inventory-jobs';

/** How a provisioning or decommissioning round ended. */
export interface RoundOutcome {
  succeeded: boolean;
  /** Why it failed (already phrased for the tenant). */
  reason?: string | null;
}

/**
 * Schedules the background steps of provisioning and decommissioning as ledger jobs, in the caller's
 * transaction: they exist exactly when the state change that needs them committed. Backoff between
 * attempts follows `JOB_BACKOFF_BASE_MS` (doubling per failed attempt).
 *
 * One job stands for each round: `inventory.provision-environment` for a request or a retry,
 * `inventory.decommission-environment` for a decommissioning. Its id is the `jobId` a 202 answers
 * with; it starts the first attempt, then stays `running` (awaiting the outcome) until the round ends,
 * and is `completed` or `failed` in the same transaction as the environment's `ready`, `failed` or
 * `decommissioned`. Everything else (handing an operation to the provisioner, the timeout timer,
 * later attempts, the simulated infrastructure's answer) is an internal step of that job: not listed
 * to tenants, and a step still waiting when the round ends (the timeout timer) is closed with it.
 */
@Injectable()
export class ProvisioningScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  /** Starts a provisioning round; returns the id of the job that follows it to its end. */
  provision(env: RuntimeEnvironment): Promise<string> {
    return this.enqueue(INVENTORY_JOBS.provision, env, { environmentId: env.id } satisfies EnvironmentJobPayload, 0, null);
  }

  /** Starts a decommissioning round; returns the id of the job that follows it to its end. */
  decommission(env: RuntimeEnvironment): Promise<string> {
    return this.enqueue(INVENTORY_JOBS.decommission, env, { environmentId: env.id } satisfies EnvironmentJobPayload, 0, null);
  }

  /** Hands an operation in flight to the provisioner: a step of its round's job. */
  async dispatch(env: RuntimeEnvironment, kind: OperationKind, operationId: string): Promise<string> {
    const parent = await this.roundJobId(env, kind);
    return this.enqueue(INVENTORY_JOBS.dispatch, env, { environmentId: env.id, operationId } satisfies DispatchJobPayload, 0, parent);
  }

  /** The provisioning round's timeout timer: a step of the round's job. */
  async timeout(env: RuntimeEnvironment, roundStartedAt: Date): Promise<string> {
    const payload: TimeoutJobPayload = { environmentId: env.id, roundStartedAt: roundStartedAt.toISOString() };
    const parent = await this.roundJobId(env, 'provision');
    return this.enqueue(INVENTORY_JOBS.timeout, env, payload, this.settings.PROVISION_TIMEOUT_SECONDS * 1000, parent);
  }

  get timeoutSeconds(): number {
    return this.settings.PROVISION_TIMEOUT_SECONDS;
  }

  /**
   * After an operation outcome of `kind` was applied: schedules the next attempt (a step of the
   * round's job, after a backoff), or ends the round's job with its outcome and, for an environment
   * whose decommissioning waited for provisioning to settle, starts decommissioning it.
   */
  async afterCompletion(env: RuntimeEnvironment, kind: OperationKind, step: NextStep, failedAttempt: number, outcome: RoundOutcome): Promise<void> {
    const backoff = jobBackoffMs(failedAttempt, this.settings.JOB_BACKOFF_BASE_MS);
    if (step === 'retry-provisioning' || step === 'retry-decommissioning') {
      const retryKind: OperationKind = step === 'retry-provisioning' ? 'provision' : 'decommission';
      const parent = await this.roundJobId(env, retryKind);
      await this.enqueue(this.nameOf(retryKind), env, { environmentId: env.id } satisfies EnvironmentJobPayload, backoff, parent);
      return;
    }
    await this.endRound(env, kind, outcome);
    if (step === 'start-decommissioning') await this.decommission(env);
  }

  /** Ends the job of the environment's current round of `kind`, if one is open. */
  async endRound(env: RuntimeEnvironment, kind: OperationKind, outcome: RoundOutcome): Promise<void> {
    const id = await this.roundJobId(env, kind);
    if (!id) return;
    await this.jobs.settle(id, {
      state: outcome.succeeded ? 'completed' : 'failed',
      result: { environmentId: env.id, state: env.state },
      error: outcome.succeeded ? null : (outcome.reason ?? `the environment is ${env.state}`),
    });
  }

  private roundJobId(env: RuntimeEnvironment, kind: OperationKind): Promise<string | null> {
    const ref: JobRef = { name: this.nameOf(kind), targetType: 'environment', targetId: env.id };
    return this.jobs.openJobId(ref);
  }

  private nameOf(kind: OperationKind): string {
    return kind === 'provision' ? INVENTORY_JOBS.provision : INVENTORY_JOBS.decommission;
  }

  private enqueue(name: string, env: RuntimeEnvironment, payload: object, delayMs: number, parentId: string | null): Promise<string> {
    return this.jobs.enqueue(name, payload, { tenantId: env.tenantId, projectId: env.projectId, targetType: 'environment', targetId: env.id, delayMs, parentId });
  }
}
