import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { SecretBindingView } from '../../configuration.views';

/** Creation order: creation time and binding id. */
export const SECRET_BINDINGS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

/** The live secret bindings of an environment. */
export class ListSecretBindingsQuery extends Query<Page<SecretBindingView>> {
  constructor(
    readonly environmentId: string,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
