import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** Judges the health gate of the step being verified (a job, again every DEPLOYMENT_GATE_INTERVAL_SECONDS while inconclusive). */
@AuditedCommand<EvaluateHealthGateCommand>({ action: 'deployment.evaluate-gate', targetType: 'deployment', targetId: (c) => c.deploymentId, details: (c) => ({ step: c.step }) })
export class EvaluateHealthGateCommand extends Command<{ outcome: string | null }> {
  constructor(
    readonly deploymentId: string,
    readonly step: number,
  ) {
    super();
  }
}
