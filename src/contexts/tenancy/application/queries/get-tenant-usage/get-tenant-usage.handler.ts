import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Quotas } from '../../../domain/quotas.value-object';
import { TenantReader } from '../../tenant-reader';
import { GetTenantUsageQuery, TenantUsageView } from './get-tenant-usage.query';

@QueryHandler(GetTenantUsageQuery)
export class GetTenantUsageHandler implements IQueryHandler<GetTenantUsageQuery, TenantUsageView> {
  constructor(private readonly tenants: TenantReader) {}

  execute({ tenantId }: GetTenantUsageQuery): Promise<TenantUsageView> {
    return this.tenants.read(tenantId, (binding, u) => {
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
