import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { serialized } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentDriftRepository, DriftFindingRepository } from '../../../domain/drift.repository';
import { DEFAULT_POLICY } from '../../../domain/remediation-policy';
import { reachEnvironment } from '../../drift-access';
import { DriftScheduleTable } from '../../drift-schedule.table';
import { EnvironmentDriftView } from '../../drift.views';
import { DriftDirectory } from '../../read-models/drift-read-models';
import { GetEnvironmentDriftQuery } from './get-environment-drift.query';

@QueryHandler(GetEnvironmentDriftQuery)
export class GetEnvironmentDriftHandler implements IQueryHandler<GetEnvironmentDriftQuery, EnvironmentDriftView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly findings: DriftFindingRepository,
    private readonly directory: DriftDirectory,
  ) {}

  execute(q: GetEnvironmentDriftQuery): Promise<EnvironmentDriftView> {
    return this.tx.read(async (db) => {
      const env = await reachEnvironment(this.directory, q.environmentId, q.scope);
      const drift = await this.drifts.find(env.environmentId);
      const schedule = await DriftScheduleTable.of(db, env.environmentId);
      const unresolved = await this.findings.unresolvedOf(env.environmentId);
      const count = (state: string) => unresolved.filter((f) => f.state === state).length;
      const d = drift?.desired ?? null;
      const policy = drift?.policy ?? DEFAULT_POLICY;
      return {
        environmentId: env.environmentId,
        desired: d ? { ...d.source, observedAt: d.observedAt.toISOString(), recordedAt: d.recordedAt.toISOString(), services: d.services.length } : null,
        policy: { mode: policy.mode, allow: [...policy.allow] },
        lastReconciledAt: schedule?.lastReconciledAt?.toISOString() ?? null,
        nextReconcileAt: schedule?.nextAt?.toISOString() ?? null,
        lastReconciliation: serialized(drift?.snapshot().lastReconciliation ?? null),
        findings: { open: count('open'), remediating: count('remediating'), quarantined: count('quarantined'), suppressed: count('suppressed') },
      };
    });
  }
}
