import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@rcp/ddd';
import { Usage } from '../domain/quotas.value-object';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantUsageReader } from '../domain/tenant-binding.repository';

/** The reads of one tenant the queries share: its binding and its usage, in one round trip; `not_found` when absent. */
@Injectable()
export class TenantReader {
  constructor(private readonly usage: TenantUsageReader) {}

  /** One round trip: the binding and its usage are read in one message (TenantUsageReader.bindingWithUsage). */
  async read<T>(tenantId: string, view: (binding: RuntimeTenantBinding, usage: Usage) => T): Promise<T> {
    const found = await this.usage.bindingWithUsage(tenantId);
    if (!found) throw new NotFoundError('Tenant', tenantId);
    return view(found.binding, found.usage);
  }
}
