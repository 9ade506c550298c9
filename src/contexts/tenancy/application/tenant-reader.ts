import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { Usage } from '../domain/quotas.value-object';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository, TenantUsageReader } from '../domain/tenant-binding.repository';

/** The reads of one tenant the queries share: its binding and its usage, in one read transaction; `not_found` when absent. */
@Injectable()
export class TenantReader {
  constructor(
    private readonly tx: TransactionManager,
    private readonly tenants: TenantBindingRepository,
    private readonly usage: TenantUsageReader,
  ) {}

  read<T>(tenantId: string, view: (binding: RuntimeTenantBinding, usage: Usage) => T): Promise<T> {
    return this.tx.read(async () => {
      const binding = await this.tenants.findById(tenantId);
      if (!binding) throw new NotFoundError('Tenant', tenantId);
      return view(binding, await this.usage.usageOf(tenantId));
    });
  }
}
