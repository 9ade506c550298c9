import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { CheckStatus } from '../../../domain/health-status';

export interface ReportedCheck {
  service: string;
  revision: string | null;
  status: CheckStatus;
  latencyMs: number | null;
  errorRate: number | null;
}

export interface HealthReportResult {
  /** Checks taken (a check older than the last one of its service is ignored). */
  taken: number;
  /** Services whose status changed, with the new status. */
  changed: Array<{ service: string; revision: string | null; status: string }>;
}

/** A batch of health checks of an environment's services, from its agent or read from the data plane. Audited when a status changed. */
@AuditedCommand<ReportHealthCommand>({ action: 'health.report', targetType: 'environment', targetId: (c) => c.environmentId, details: (c) => ({ source: c.source, checks: c.checks.length }) })
export class ReportHealthCommand extends Command<HealthReportResult> {
  constructor(
    readonly environmentId: string,
    readonly observedAt: Date,
    readonly checks: ReportedCheck[],
    readonly source: 'agent' | 'data-plane',
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
