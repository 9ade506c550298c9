import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { SecretBindingView } from '../../configuration.views';

/** One live secret binding of an environment, by name. */
export class GetSecretBindingQuery extends Query<SecretBindingView> {
  constructor(
    readonly environmentId: string,
    readonly name: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
