import { ReadModelTable } from '@rcp/messaging';
import { TenantLifecycleState, TenantPlacement, TenantQuotas, TenantTerms } from '../../domain/tenant-terms';

/** A row of `inventory.tenants`, inventory's own copy of what tenancy published about each tenant. */
export interface TenantRow extends Record<string, unknown> {
  tenantId: string;
  state: TenantLifecycleState;
  isolationMode: string;
  placement: TenantPlacement;
  quotas: TenantQuotas;
}

/** The table, written only by `ProjectTenantOnTenancyEventsHandler`; each row remembers the tenant version it reflects. */
export const TENANTS = new ReadModelTable<TenantRow>({ table: 'inventory.tenants', key: ['tenantId'], json: ['placement', 'quotas'], versioned: true });

/**
 * Inventory's local read model of tenants (`inventory.tenants`), built from tenancy's published events;
 * inventory never reads tenancy's tables.
 */
export abstract class TenantReadModel {
  /** The tenant's terms, or null if inventory has not seen it onboarded. `lock` serializes requests of one tenant (quota). */
  abstract termsOf(tenantId: string, opts?: { lock?: boolean }): Promise<TenantTerms | null>;
}
