import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService } from '@rcp/jobs';
import { DeploymentState, OperationPhase, RuntimeDeployment } from '../domain/runtime-deployment.aggregate';
import { DEPLOYMENT_JOBS, DispatchPayload, StepPayload } from './deployment-jobs';

/**
 * Schedules what follows a change of a rollout, in the same transaction as the change (a rolled-back
 * command schedules nothing): the next executor operation of a step (a dispatch job), a pause step held
 * at once, the next judgement of the gate while verifying (a delayed job), the end of a timed pause (a
 * delayed job, so a worker restart loses no timer), and the restore of the previous release when a
 * rollout is rolled back or aborted.
 */
@Injectable()
export class RolloutDriver {
  constructor(
    private readonly jobs: JobsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  /** Returns the id of the dispatch job queued, if one was. */
  async follow(d: RuntimeDeployment, before: DeploymentState, now: Date, next: OperationPhase | null = null): Promise<string | undefined> {
    for (let guard = 0; guard < 100 && d.state === 'progressing' && !d.snapshot().operation && d.step.action === 'pause'; guard++) d.stepApplied(now);
    const s = d.snapshot();
    if (next) return this.send(d, next);
    if (s.state === 'progressing' && !s.operation) return this.send(d, 'new');
    if (s.state === 'verifying') await this.enqueueStep(d, DEPLOYMENT_JOBS.evaluateGate, this.settings.DEPLOYMENT_GATE_INTERVAL_SECONDS * 1000);
    if (s.state === 'paused' && s.pausedUntil && before !== 'paused') await this.enqueueStep(d, DEPLOYMENT_JOBS.endPause, Math.max(0, s.pausedUntil.getTime() - now.getTime()));
    const stopped = (s.state === 'rolling_back' || s.state === 'aborted') && before !== s.state;
    if (stopped && s.previous) return this.send(d, 'restore-old');
    if (stopped && !s.previous && s.state === 'aborted') return this.send(d, 'restore-new');
    return undefined;
  }

  private async send(d: RuntimeDeployment, phase: OperationPhase): Promise<string> {
    const operationId = randomUUID();
    d.awaitOperation(operationId, phase);
    const s = d.snapshot();
    const payload: DispatchPayload = { deploymentId: d.id, operationId };
    return this.jobs.enqueue(DEPLOYMENT_JOBS.dispatch, payload, { tenantId: s.tenantId, projectId: s.projectId, targetType: 'deployment', targetId: d.id, maxAttempts: 10 });
  }

  private enqueueStep(d: RuntimeDeployment, name: string, delayMs: number): Promise<string> {
    const s = d.snapshot();
    const payload: StepPayload = { deploymentId: d.id, step: s.currentStep };
    return this.jobs.enqueue(name, payload, { tenantId: s.tenantId, projectId: s.projectId, targetType: 'deployment', targetId: d.id, delayMs, maxAttempts: 5 });
  }
}
