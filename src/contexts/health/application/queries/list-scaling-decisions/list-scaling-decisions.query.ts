import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { ScalingDecisionView } from '../../health.views';

/** Newest first: decision time and id. */
export const DECISIONS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

export class ListScalingDecisionsQuery extends Query<Page<ScalingDecisionView>> {
  constructor(
    readonly environmentId: string,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly service: string | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
