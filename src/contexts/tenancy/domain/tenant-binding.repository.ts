import { RuntimeTenantBinding } from './runtime-tenant-binding.aggregate';
import { Usage } from './quotas.value-object';

/** Port: whole-aggregate persistence of tenant bindings (inside the current unit of work). */
export abstract class TenantBindingRepository {
  abstract findById(id: string): Promise<RuntimeTenantBinding | null>;
  /** Saves with an optimistic version check and appends the recorded events to the outbox. */
  abstract save(binding: RuntimeTenantBinding): Promise<void>;
  /** Bindings in onboarding order after a keyset position; `limit + 1` rows tell whether more follow. */
  abstract page(filter: { state?: string; limit: number; after?: { t: string; id: string } }): Promise<RuntimeTenantBinding[]>;
}

/** Port: what the tenant uses, from the local read model that inventory's events maintain. */
export abstract class TenantUsageReader {
  abstract usageOf(tenantId: string): Promise<Usage>;
  /** The usage of each of several tenants at once (a list page), keyed by tenant id. */
  abstract usagesOf(tenantIds: string[]): Promise<Map<string, Usage>>;
  /**
   * A tenant's binding and its usage in one read (one round trip outside a unit of work), in the
   * caller's scope; null when the binding is absent or hidden from the caller.
   */
  abstract bindingWithUsage(tenantId: string): Promise<{ binding: RuntimeTenantBinding; usage: Usage } | null>;
}
