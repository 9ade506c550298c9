import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { FindingFilter } from '../../../domain/drift.repository';
import { DriftFindingView } from '../../drift.views';

/** Detection order: first seen, then id. */
export const FINDINGS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

export class ListDriftFindingsQuery extends Query<Page<DriftFindingView>> {
  constructor(
    readonly filter: FindingFilter,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
