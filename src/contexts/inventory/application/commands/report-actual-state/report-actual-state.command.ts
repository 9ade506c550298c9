import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { ServiceReport } from '../../../domain/runtime-service.entity';
import { AccessScope } from '../../access-scope';

export interface ActualStateResult {
  environmentId: string;
  applied: boolean;
  /** Why the report was not applied (a newer one was applied already). */
  reason?: string;
  observedAt: string;
  /** `observedAt` of the last report applied (this one, when applied). */
  lastObservedAt: string | null;
  observed: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** True when live services exceed the tenant's `maxServicesPerEnvironment`. */
  overQuota: boolean;
  overQuotaServices: string[];
  liveServices: number;
  maxServicesPerEnvironment: number | null;
}

/** Who says what runs: an agent pushing its report, or the control plane pulling it from the data plane. */
export type ActualStateSourceKind = 'agent' | 'data-plane';

/**
 * A full report of what runs in an environment: pushed by its runtime agent, or pulled from the data
 * plane. A pulled report that changes nothing records only its observation time (no event, no audit
 * row: pulls run on a schedule); an agent's report is audited every time, as it always was.
 */
@AuditedCommand<ReportActualStateCommand>({
  action: 'environment.report-actual-state',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  // The domain validates observedAt; an invalid date must not fail here first.
  details: ({ report, source }) => ({
    observedAt: Number.isNaN(report.observedAt.getTime()) ? null : report.observedAt.toISOString(),
    services: report.services.length,
    ...(source === 'data-plane' ? { source } : {}),
  }),
})
export class ReportActualStateCommand extends Command<ActualStateResult> {
  constructor(
    readonly environmentId: string,
    readonly report: { observedAt: Date; services: ServiceReport[] },
    readonly scope?: AccessScope,
    readonly source: ActualStateSourceKind = 'agent',
  ) {
    super();
  }
}
