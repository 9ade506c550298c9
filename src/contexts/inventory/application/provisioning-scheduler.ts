import { Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, jobBackoffMs } from '@rcp/jobs';
import { NextStep, RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { DispatchJobPayload, EnvironmentJobPayload, INVENTORY_JOBS, TimeoutJobPayload } from './inventory-jobs';

/**
 * Schedules the background steps of provisioning and decommissioning as ledger jobs, in the caller's
 * transaction: they exist exactly when the state change that needs them committed. Backoff between
 * attempts follows `JOB_BACKOFF_BASE_MS` (doubling per failed attempt).
 */
@Injectable()
export class ProvisioningScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  provision(env: RuntimeEnvironment, delayMs = 0): Promise<string> {
    return this.enqueue(INVENTORY_JOBS.provision, env, { environmentId: env.id } satisfies EnvironmentJobPayload, delayMs);
  }

  decommission(env: RuntimeEnvironment, delayMs = 0): Promise<string> {
    return this.enqueue(INVENTORY_JOBS.decommission, env, { environmentId: env.id } satisfies EnvironmentJobPayload, delayMs);
  }

  dispatch(env: RuntimeEnvironment, operationId: string): Promise<string> {
    return this.enqueue(INVENTORY_JOBS.dispatch, env, { environmentId: env.id, operationId } satisfies DispatchJobPayload, 0);
  }

  timeout(env: RuntimeEnvironment, roundStartedAt: Date): Promise<string> {
    const payload: TimeoutJobPayload = { environmentId: env.id, roundStartedAt: roundStartedAt.toISOString() };
    return this.enqueue(INVENTORY_JOBS.timeout, env, payload, this.settings.PROVISION_TIMEOUT_SECONDS * 1000);
  }

  get timeoutSeconds(): number {
    return this.settings.PROVISION_TIMEOUT_SECONDS;
  }

  /** Schedules what the aggregate decided comes next; returns the job id, if any. */
  next(env: RuntimeEnvironment, step: NextStep, failedAttempt: number): Promise<string | null> {
    switch (step) {
      case 'retry-provisioning':
        return this.provision(env, jobBackoffMs(failedAttempt, this.settings.JOB_BACKOFF_BASE_MS));
      case 'retry-decommissioning':
        return this.decommission(env, jobBackoffMs(failedAttempt, this.settings.JOB_BACKOFF_BASE_MS));
      case 'start-decommissioning':
        return this.decommission(env);
      case 'none':
        return Promise.resolve(null);
    }
  }

  private enqueue(name: string, env: RuntimeEnvironment, payload: object, delayMs: number): Promise<string> {
    return this.jobs.enqueue(name, payload, { tenantId: env.tenantId, projectId: env.projectId, targetType: 'environment', targetId: env.id, delayMs });
  }
}
