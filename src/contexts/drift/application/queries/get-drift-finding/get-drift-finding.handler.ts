import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError, canSee } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { DriftFindingRepository } from '../../../domain/drift.repository';
import { DriftFindingView, findingView } from '../../drift.views';
import { GetDriftFindingQuery } from './get-drift-finding.query';

@QueryHandler(GetDriftFindingQuery)
export class GetDriftFindingHandler implements IQueryHandler<GetDriftFindingQuery, DriftFindingView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly findings: DriftFindingRepository,
  ) {}

  execute(q: GetDriftFindingQuery): Promise<DriftFindingView> {
    return this.tx.read(async () => {
      const f = await this.findings.findById(q.findingId);
      if (!f || !canSee(q.scope, f.snapshot().projectId)) throw new NotFoundError('Drift finding', q.findingId);
      return findingView(f);
    });
  }
}
