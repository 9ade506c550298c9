import { IsolationMode, Placement } from '../domain/placement';
import { QuotasProps, Usage } from '../domain/quotas.value-object';
import { RuntimeTenantBinding, TenantBindingSnapshot, TenantState } from '../domain/runtime-tenant-binding.aggregate';

/** What the tenancy use cases answer with: the binding as its readers see it. */
export interface TenantView {
  id: string;
  displayName: string;
  isolationMode: IsolationMode;
  placement: Placement;
  quotas: QuotasProps;
  state: TenantState;
  overQuota: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
  offboardedAt: string | null;
}

export function tenantView(s: TenantBindingSnapshot, overQuota: boolean): TenantView {
  return {
    id: s.id,
    displayName: s.displayName,
    isolationMode: s.isolationMode,
    placement: s.placement,
    quotas: s.quotas,
    state: s.state,
    overQuota,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    suspendedAt: s.suspendedAt?.toISOString() ?? null,
    offboardedAt: s.offboardedAt?.toISOString() ?? null,
  };
}

export const viewOf = (binding: RuntimeTenantBinding, usage: Usage) => tenantView(binding.snapshot(), binding.isOverQuota(usage));
