/** Lifecycle of a tenant as the API gates see it. */
export type TenantLifecycle = 'active' | 'suspended' | 'offboarded' | 'unknown';

/**
 * Port through which the auth layer learns a tenant's lifecycle. The tenancy context provides the real
 * implementation; until a tenant is known, its tokens are treated as active (the tenant may not be
 * onboarded in this control plane yet, e.g. in tests of other contexts).
 */
export abstract class TenantLifecycleGate {
  abstract lifecycleOf(tenantId: string): Promise<TenantLifecycle>;
  /** Drops what this process remembers of a tenant (called after its lifecycle changed here). */
  forget(_tenantId: string): void {
    /* nothing cached by default */
  }
}

export class AlwaysActiveGate extends TenantLifecycleGate {
  async lifecycleOf(): Promise<TenantLifecycle> {
    return 'active';
  }
}
