import { Query } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { Keyset, Page } from '@rcp/http';
import { AgentKeyView } from '../../access.views';

/** Creation order: creation time and key id. */
export const AGENT_KEYS_KEYSET = new Keyset({ t: 'timestamp', id: 'uuid' });

/** The agent keys of an environment (active ones, or all with `includeRevoked`). */
export class ListAgentKeysQuery extends Query<Page<AgentKeyView>> {
  constructor(
    readonly environmentId: string,
    readonly includeRevoked: boolean,
    readonly limit: number,
    readonly after: { t: string; id: string } | undefined,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
