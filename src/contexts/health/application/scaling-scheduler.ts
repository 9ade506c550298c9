import { Injectable } from '@nestjs/common';
import { JobsService } from '@rcp/jobs';
import { ScalingDecision } from '../domain/scaling-policy.aggregate';
import { ApplyScalingPayload, HEALTH_JOBS } from './health-jobs';

/** Enqueues the scale job of a pending decision inside the command's transaction (a rolled-back decision sends nothing). */
@Injectable()
export class ScalingScheduler {
  constructor(private readonly jobs: JobsService) {}

  async apply(d: ScalingDecision, ref: { tenantId: string; projectId: string; environmentId: string; service: string }): Promise<string> {
    const payload: ApplyScalingPayload = { environmentId: ref.environmentId, service: ref.service, decisionId: d.id, operationId: d.operationId!, replicas: d.desiredReplicas };
    return this.jobs.enqueue(HEALTH_JOBS.applyScaling, payload, { tenantId: ref.tenantId, projectId: ref.projectId, targetType: 'scaling-decision', targetId: d.id, maxAttempts: 3 });
  }
}
