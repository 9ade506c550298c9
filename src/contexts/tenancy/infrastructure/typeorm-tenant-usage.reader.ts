import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { Usage } from '../domain/quotas.value-object';
import { TenantUsageReader } from '../domain/tenant-binding.repository';

/**
 * Reads tenant usage from tenancy's own read model (`tenancy.environment_usage`, `tenancy.service_usage`),
 * which the usage projection keeps from inventory's events.
 */
@Injectable()
export class TypeOrmTenantUsageReader extends TenantUsageReader {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async usageOf(tenantId: string): Promise<Usage> {
    const [row] = await this.tx.manager().query(
      `SELECT
         (SELECT count(*)::int FROM tenancy.environment_usage WHERE tenant_id = $1 AND live) AS environments,
         COALESCE((SELECT max(n)::int FROM (SELECT count(*) AS n FROM tenancy.service_usage s
                   JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                   WHERE s.tenant_id = $1 GROUP BY s.environment_id) x), 0) AS services_per_environment,
         COALESCE((SELECT max(replicas)::int FROM tenancy.service_usage s
                   JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                   WHERE s.tenant_id = $1), 0) AS replicas_per_service,
         COALESCE((SELECT sum(replicas)::int FROM tenancy.service_usage s
                   JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                   WHERE s.tenant_id = $1), 0) AS total_replicas`,
      [tenantId],
    );
    return {
      environments: row.environments,
      servicesPerEnvironment: row.services_per_environment,
      replicasPerService: row.replicas_per_service,
      totalReplicas: row.total_replicas,
    };
  }
}
