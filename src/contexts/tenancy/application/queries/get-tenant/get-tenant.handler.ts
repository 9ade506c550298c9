import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantReader } from '../../tenant-reader';
import { TenantView, viewOf } from '../../tenant.view';
import { GetTenantQuery } from './get-tenant.query';

@QueryHandler(GetTenantQuery)
export class GetTenantHandler implements IQueryHandler<GetTenantQuery, TenantView> {
  constructor(private readonly tenants: TenantReader) {}

  execute({ tenantId }: GetTenantQuery): Promise<TenantView> {
    return this.tenants.read(tenantId, viewOf);
  }
}
