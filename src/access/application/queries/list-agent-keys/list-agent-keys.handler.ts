import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { AgentKeyRepository } from '../../../domain/access.repository';
import { agentKeyView, AgentKeyView } from '../../access.views';
import { reachAgentEnvironment } from '../../environment-access';
import { AccessEnvironments } from '../../read-models/access-environment-read-model';
import { AGENT_KEYS_KEYSET, ListAgentKeysQuery } from './list-agent-keys.query';

@QueryHandler(ListAgentKeysQuery)
export class ListAgentKeysHandler implements IQueryHandler<ListAgentKeysQuery, Page<AgentKeyView>> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly keys: AgentKeyRepository,
    private readonly environments: AccessEnvironments,
  ) {}

  execute(q: ListAgentKeysQuery): Promise<Page<AgentKeyView>> {
    return this.tx.read(async () => {
      const env = await reachAgentEnvironment(this.environments, q.environmentId, q.scope);
      const rows = await this.keys.page(env.environmentId, q.includeRevoked, q.limit, q.after);
      return AGENT_KEYS_KEYSET.page(rows, q.limit, agentKeyView, (k) => ({ t: k.snapshot().createdAt.toISOString(), id: k.id }));
    });
  }
}
