import { Serialized, serialized } from '@rcp/ddd';
import { Usage } from '../domain/quotas.value-object';
import { RuntimeTenantBinding, TenantBindingSnapshot } from '../domain/runtime-tenant-binding.aggregate';

/** What the tenancy use cases answer with: the binding as its readers see it (its snapshot, dates as strings, and whether it is over quota). */
export type TenantView = Serialized<TenantBindingSnapshot> & { overQuota: boolean };

export function tenantView(s: TenantBindingSnapshot, overQuota: boolean): TenantView {
  return { ...serialized(s), overQuota };
}

export const viewOf = (binding: RuntimeTenantBinding, usage: Usage) => tenantView(binding.snapshot(), binding.isOverQuota(usage));
