import { NotFoundError, VersionConflictError } from '@rcp/ddd';
import { RuntimeTenantBinding } from '../domain/runtime-tenant-binding.aggregate';
import { TenantBindingRepository } from '../domain/tenant-binding.repository';

/** Loads a binding for a change: `not_found` when absent, `version_conflict` when If-Match is stale. */
export async function loadForChange(repo: TenantBindingRepository, id: string, expectedVersion?: number): Promise<RuntimeTenantBinding> {
  const binding = await repo.findById(id);
  if (!binding) throw new NotFoundError('Tenant', id);
  if (expectedVersion !== undefined && expectedVersion !== binding.version) throw new VersionConflictError(expectedVersion, binding.version);
  return binding;
}
