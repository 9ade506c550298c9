import { Query } from '@nestjs/cqrs';
import { EnvironmentFilter } from '../../../domain/inventory.repository';
import { EnvironmentView } from '../../environment.view';

export interface EnvironmentPage {
  items: EnvironmentView[];
  nextCursor: string | null;
}

/** Environments in creation order, keyset-paginated, by project and state, within the token's projects. */
export class ListEnvironmentsQuery extends Query<EnvironmentPage> {
  constructor(readonly filter: EnvironmentFilter) {
    super();
  }
}
