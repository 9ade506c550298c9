import { Query } from '@nestjs/cqrs';
import { QuotasProps } from '../../../domain/quotas.value-object';

export interface QuotaUse {
  used: number;
  limit: number;
}

export interface TenantUsageView {
  tenantId: string;
  environments: QuotaUse;
  servicesPerEnvironment: QuotaUse;
  replicasPerService: QuotaUse;
  totalReplicas: QuotaUse;
  overQuota: boolean;
  exceeded: (keyof QuotasProps)[];
}

/** Environments, services and replicas in use against each quota. */
export class GetTenantUsageQuery extends Query<TenantUsageView> {
  constructor(readonly tenantId: string) {
    super();
  }
}
