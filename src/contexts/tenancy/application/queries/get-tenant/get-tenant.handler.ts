import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { TenantBindingRepository, TenantUsageReader } from '../../../domain/tenant-binding.repository';
import { TenantView, viewOf } from '../../tenant.view';
import { GetTenantQuery } from './get-tenant.query';

@QueryHandler(GetTenantQuery)
export class GetTenantHandler implements IQueryHandler<GetTenantQuery, TenantView> {
  constructor(
    private readonly tx: TransactionManager,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
  ) {}

  execute({ tenantId }: GetTenantQuery): Promise<TenantView> {
    return this.tx.read(async () => {
      const binding = await this.tenants.findById(tenantId);
      if (!binding) throw new NotFoundError('Tenant', tenantId);
      return viewOf(binding, await this.usage.usageOf(tenantId));
    });
  }
}
