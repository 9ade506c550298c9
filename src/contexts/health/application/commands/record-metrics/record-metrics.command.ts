import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { Observed } from '../../../domain/scaling';

export interface MetricsResult {
  /** Per reported service: the decision made (its id and replicas), or why none was. */
  services: Array<{ service: string; decisionId: string | null; currentReplicas: number | null; desiredReplicas: number | null; state: string | null; reason: string }>;
}

/** One metrics report of an environment's services: each service with a scaling policy gets a decision (or a reason for none). Audited when a decision is made. */
@AuditedCommand<RecordMetricsCommand>({ action: 'metrics.report', targetType: 'environment', targetId: (c) => c.environmentId, details: (c) => ({ source: c.source, services: c.services.length }) })
export class RecordMetricsCommand extends Command<MetricsResult> {
  constructor(
    readonly environmentId: string,
    readonly observedAt: Date,
    readonly services: Array<{ service: string } & Observed>,
    readonly source: 'agent' | 'data-plane' | 'prometheus',
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
