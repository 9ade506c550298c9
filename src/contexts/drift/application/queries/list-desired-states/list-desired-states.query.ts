import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { RecordedDesiredStateView } from '../../drift.views';

/** Newest first: recording time, then id. */
export const DESIRED_STATES_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

/** Every desired state recorded for an environment, newest first, each saying whether it is the one reconciliation compares with. */
export class ListDesiredStatesQuery extends Query<Page<RecordedDesiredStateView>> {
  constructor(
    readonly environmentId: string,
    readonly limit: number,
    readonly before: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
