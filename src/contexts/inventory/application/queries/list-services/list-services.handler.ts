import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TransactionManager } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../../../domain/inventory.repository';
import { assertVisible } from '../../access-scope';
import { ListServicesQuery, ServiceInventoryView } from './list-services.query';

interface ServiceRow {
  name: string;
  image: string;
  replicas: number;
  ready_replicas: number;
  config_checksum: string | null;
  over_quota: boolean;
  removed: boolean;
  first_observed_at: Date;
  last_observed_at: Date;
  last_changed_at: Date;
  removed_at: Date | null;
}

/** Reads inventory's own tables straight into the view (one row per service, by name). */
@QueryHandler(ListServicesQuery)
export class ListServicesHandler implements IQueryHandler<ListServicesQuery, ServiceInventoryView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly environments: RuntimeEnvironmentRepository,
  ) {}

  execute({ environmentId, includeRemoved, scope }: ListServicesQuery): Promise<ServiceInventoryView> {
    return this.tx.read(async (m) => {
      assertVisible(await this.environments.findById(environmentId), environmentId, scope);
      const [inv]: Array<{ last_observed_at: Date | null }> = await m.query(`SELECT last_observed_at FROM inventory.service_inventories WHERE environment_id = $1`, [
        environmentId,
      ]);
      const rows: ServiceRow[] = await m.query(
        `SELECT name, image, replicas, ready_replicas, config_checksum, over_quota, removed, first_observed_at, last_observed_at, last_changed_at, removed_at
         FROM inventory.runtime_services WHERE environment_id = $1 AND ($2 OR NOT removed) ORDER BY name`,
        [environmentId, includeRemoved],
      );
      return {
        environmentId,
        lastObservedAt: inv?.last_observed_at?.toISOString() ?? null,
        items: rows.map((r) => ({
          name: r.name,
          image: r.image,
          replicas: r.replicas,
          readyReplicas: r.ready_replicas,
          configChecksum: r.config_checksum,
          overQuota: r.over_quota,
          removed: r.removed,
          firstObservedAt: r.first_observed_at.toISOString(),
          lastObservedAt: r.last_observed_at.toISOString(),
          lastChangedAt: r.last_changed_at.toISOString(),
          removedAt: r.removed_at?.toISOString() ?? null,
        })),
      };
    });
  }
}
