import { Query } from '@nestjs/cqrs';
import { Keyset, Page } from '@rcp/http';
import { EnvironmentFilter } from '../../../domain/inventory.repository';
import { EnvironmentView } from '../../environment.view';

/** Creation order: creation time and environment id. */
export const ENVIRONMENTS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

/** Environments in creation order, keyset-paginated, by project and state, within the token's projects. */
export class ListEnvironmentsQuery extends Query<Page<EnvironmentView>> {
  constructor(readonly filter: EnvironmentFilter) {
    super();
  }
}
