import { DomainEvent } from '@rcp/ddd';
import { Placement, IsolationMode } from './placement';
import { QuotasProps } from './quotas.value-object';

export class TenantOnboarded extends DomainEvent<{ displayName: string; isolationMode: IsolationMode; placement: Placement; quotas: QuotasProps }> {
  readonly name = 'TenantOnboarded';
}
export class TenantRenamed extends DomainEvent<{ displayName: string }> {
  readonly name = 'TenantRenamed';
}
export class TenantQuotasChanged extends DomainEvent<{ quotas: QuotasProps; previous: QuotasProps }> {
  readonly name = 'TenantQuotasChanged';
}
export class TenantIsolationChanged extends DomainEvent<{ isolationMode: IsolationMode; previousMode: IsolationMode; placement: Placement }> {
  readonly name = 'TenantIsolationChanged';
}
export class TenantSuspended extends DomainEvent<{ reason: string | null }> {
  readonly name = 'TenantSuspended';
}
export class TenantReactivated extends DomainEvent<{ reason: string | null }> {
  readonly name = 'TenantReactivated';
}
export class TenantOffboarded extends DomainEvent<{ reason: string | null }> {
  readonly name = 'TenantOffboarded';
}

/** Every domain event a RuntimeTenantBinding records. */
export type TenantEvent = TenantOnboarded | TenantRenamed | TenantQuotasChanged | TenantIsolationChanged | TenantSuspended | TenantReactivated | TenantOffboarded;
