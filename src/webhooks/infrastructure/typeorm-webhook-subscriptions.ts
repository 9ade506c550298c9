import { Injectable } from '@nestjs/common';
import { AggregateRepository, AggregateStore, aggregateRepository } from '@rcp/messaging';
import { TransactionManager } from '@rcp/persistence';
import { WebhookSubscription } from '../domain/webhook-subscription.aggregate';
import { WebhookSubscriptionRepository } from '../domain/webhooks.repository';
import { WebhookSubscriptionMapper } from './webhook-subscription.mapper';
import { WebhookSubscriptionOrmEntity } from './webhook-subscription.orm-entity';

@Injectable()
export class TypeOrmWebhookSubscriptions extends WebhookSubscriptionRepository {
  private readonly aggregates: AggregateRepository<WebhookSubscription>;

  constructor(
    private readonly tx: TransactionManager,
    store: AggregateStore,
  ) {
    super();
    this.aggregates = aggregateRepository(tx, store, { entity: WebhookSubscriptionOrmEntity, aggregateType: 'WebhookSubscription', mapper: WebhookSubscriptionMapper });
  }

  async findById(id: string, opts: { lock?: boolean } = {}): Promise<WebhookSubscription | null> {
    if (!opts.lock) return this.aggregates.findById(id);
    const row = await this.tx.manager().createQueryBuilder(WebhookSubscriptionOrmEntity, 's').setLock('pessimistic_write').where('s.id = :id', { id }).getOne();
    return row ? WebhookSubscriptionMapper.toDomain(row) : null;
  }

  save(subscription: WebhookSubscription): Promise<void> {
    return this.aggregates.save(subscription);
  }

  async page(limit: number, after?: { t: string; id: string }, projectIds?: string[]): Promise<WebhookSubscription[]> {
    const qb = this.tx.manager().createQueryBuilder(WebhookSubscriptionOrmEntity, 's').where(`s.state <> 'deleted'`).orderBy('s.created_at').addOrderBy('s.id').take(limit + 1);
    // A token limited to projects sees the subscriptions limited to (some of) its projects, as GET of one does.
    if (projectIds) qb.andWhere('s.project_ids IS NOT NULL AND s.project_ids <@ :projectIds', { projectIds });
    if (after) qb.andWhere('(s.created_at, s.id) > (:t, :id)', after);
    return (await qb.getMany()).map(WebhookSubscriptionMapper.toDomain);
  }
}
