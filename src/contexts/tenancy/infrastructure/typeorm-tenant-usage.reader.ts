import { Injectable } from '@nestjs/common';
import { AggregateStore } from '@rcp/messaging';
import { Statement, TransactionManager } from '@rcp/persistence';
import { Usage } from '../domain/quotas.value-object';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantUsageReader } from '../domain/tenant-binding.repository';
import { tenantBindings } from './typeorm-tenant-binding.repository';

interface UsageRow {
  tenant_id: string;
  environments: number;
  services_per_environment: number;
  replicas_per_service: number;
  total_replicas: number;
}

/**
 * Reads tenant usage from tenancy's own read model (`tenancy.environment_usage`, `tenancy.service_usage`),
 * which the usage projection keeps from inventory's events.
 */
@Injectable()
export class TypeOrmTenantUsageReader extends TenantUsageReader {
  constructor(
    private readonly tx: TransactionManager,
    private readonly store: AggregateStore,
  ) {
    super();
  }

  /** The binding's row and the tenant's usage in one message: one round trip, row-level security on both. */
  async bindingWithUsage(tenantId: string): Promise<{ binding: RuntimeTenantBinding; usage: Usage } | null> {
    const bindings = tenantBindings(this.tx, this.store);
    const [bindingRows, usageRows] = await this.tx.readInOneTrip([bindings.statementById(tenantId), usageStatement([tenantId])]);
    if (!bindingRows[0]) return null;
    return { binding: bindings.fromRow(bindingRows[0]), usage: usageOfRow(usageRows[0] as unknown as UsageRow) };
  }

  async usageOf(tenantId: string): Promise<Usage> {
    return (await this.usagesOf([tenantId])).get(tenantId)!;
  }

  /** One statement for any number of tenants (a list page), each tenant's usage by its own subqueries. */
  async usagesOf(tenantIds: string[]): Promise<Map<string, Usage>> {
    const { sql, params } = usageStatement(tenantIds);
    const rows: UsageRow[] = await this.tx.manager().query(sql, params as unknown[]);
    return new Map(rows.map((row) => [row.tenant_id, usageOfRow(row)]));
  }
}

export function usageStatement(tenantIds: string[]): Statement {
  return {
    sql: `SELECT t.tenant_id,
           (SELECT count(*)::int FROM tenancy.environment_usage WHERE tenant_id = t.tenant_id AND live) AS environments,
           COALESCE((SELECT max(n)::int FROM (SELECT count(*) AS n FROM tenancy.service_usage s
                     JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                     WHERE s.tenant_id = t.tenant_id GROUP BY s.environment_id) x), 0) AS services_per_environment,
           COALESCE((SELECT max(replicas)::int FROM tenancy.service_usage s
                     JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                     WHERE s.tenant_id = t.tenant_id), 0) AS replicas_per_service,
           COALESCE((SELECT sum(replicas)::int FROM tenancy.service_usage s
                     JOIN tenancy.environment_usage e ON e.environment_id = s.environment_id AND e.live
                     WHERE s.tenant_id = t.tenant_id), 0) AS total_replicas
         FROM unnest($1::text[]) AS t(tenant_id)`,
    params: [tenantIds],
  };
}

function usageOfRow(row: UsageRow): Usage {
  return { environments: row.environments, servicesPerEnvironment: row.services_per_environment, replicasPerService: row.replicas_per_service, totalReplicas: row.total_replicas };
}
