import { TenantLifecycleState, TenantPlacement, TenantQuotas, TenantTerms } from '../../domain/tenant-terms';

export interface TenantTermsChange {
  state?: TenantLifecycleState;
  isolationMode?: string;
  placement?: TenantPlacement;
  quotas?: TenantQuotas;
}

/**
 * Inventory's local read model of tenants (`inventory.tenants`), built from tenancy's published events
 * by `ProjectTenantOnTenancyEventsHandler`; inventory never reads tenancy's tables. Each row remembers
 * the tenant aggregate version it reflects, so an older event never overwrites a newer one.
 */
export abstract class TenantReadModel {
  /** The tenant's terms, or null if inventory has not seen it onboarded. `lock` serializes requests of one tenant (quota). */
  abstract termsOf(tenantId: string, opts?: { lock?: boolean }): Promise<TenantTerms | null>;
  abstract onboarded(terms: TenantTerms & { isolationMode: string }, sourceVersion: number): Promise<void>;
  /** Applies a change to a known tenant if `sourceVersion` is newer than what the row reflects. */
  abstract changed(tenantId: string, change: TenantTermsChange, sourceVersion: number): Promise<void>;
}
