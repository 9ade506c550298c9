import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { Quotas } from '../../../domain/quotas.value-object';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { GetTenantUsageQuery, TenantUsageView } from './get-tenant-usage.query';

@QueryHandler(GetTenantUsageQuery)
export class GetTenantUsageHandler implements IQueryHandler<GetTenantUsageQuery, TenantUsageView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
  ) {}

  execute({ tenantId }: GetTenantUsageQuery): Promise<TenantUsageView> {
    return this.tx.read(async () => {
      const binding = await this.tenants.findById(tenantId);
      if (!binding) throw new NotFoundError('Tenant', tenantId);
      const u = await this.usage.usageOf(tenantId);
      const q = binding.quotas;
      const exceeded = Quotas.of(q).exceededBy(u);
      return {
        tenantId,
        environments: { used: u.environments, limit: q.maxEnvironments },
        servicesPerEnvironment: { used: u.servicesPerEnvironment, limit: q.maxServicesPerEnvironment },
        replicasPerService: { used: u.replicasPerService, limit: q.maxReplicasPerService },
        totalReplicas: { used: u.totalReplicas, limit: q.maxTotalReplicas },
        overQuota: exceeded.length > 0,
        exceeded,
      };
    });
  }
}
