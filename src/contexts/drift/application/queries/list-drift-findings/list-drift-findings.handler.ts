import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { DriftFindingRepository } from '../../../domain/drift.repository';
import { DriftFindingView, findingView } from '../../drift.views';
import { FINDINGS_KEYSET, ListDriftFindingsQuery } from './list-drift-findings.query';

@QueryHandler(ListDriftFindingsQuery)
export class ListDriftFindingsHandler implements IQueryHandler<ListDriftFindingsQuery, Page<DriftFindingView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly findings: DriftFindingRepository,
  ) {}

  execute(q: ListDriftFindingsQuery): Promise<Page<DriftFindingView>> {
    return this.tx.read(async () => {
      const rows = await this.findings.page({ ...q.filter, projectIds: q.scope?.projectIds }, q.limit, q.after);
      return FINDINGS_KEYSET.page(rows, q.limit, (f) => findingView(f), (f) => ({ t: f.snapshot().createdAt.toISOString(), id: f.id }));
    });
  }
}
