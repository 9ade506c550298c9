import { AggregateRoot, DomainError, Lifecycle, PreconditionFailedError } from '@rcp/ddd';
import { IsolationMode, Placement, placementFor } from './placement';
import { NO_USAGE, Quotas, QuotasProps, Usage } from './quotas.value-object';
import {
  TenantEvent,
  TenantIsolationChanged,
  TenantOffboarded,
  TenantOnboarded,
  TenantQuotasChanged,
  TenantReactivated,
  TenantRenamed,
  TenantSuspended,
} from './tenancy.domain-events';

export type TenantState = 'active' | 'suspended' | 'offboarded';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** What may happen to a tenant in which state: offboarding is terminal, and suspension reversible. */
export const TENANT_LIFECYCLE = new Lifecycle<TenantState, 'suspend' | 'reactivate' | 'offboard' | 'rename' | 'changeQuotas' | 'changeIsolation'>('Tenant', {
  suspend: { from: ['active'], to: 'suspended', describe: 'be suspended' },
  reactivate: { from: ['suspended'], to: 'active', describe: 'be reactivated' },
  offboard: { from: ['active', 'suspended'], to: 'offboarded', describe: 'be offboarded' },
  rename: { from: ['active', 'suspended'], describe: 'be renamed' },
  changeQuotas: { from: ['active', 'suspended'], describe: 'change quotas' },
  changeIsolation: { from: ['active', 'suspended'], describe: 'change isolation' },
});

export interface TenantBindingSnapshot {
  id: string;
  displayName: string;
  isolationMode: IsolationMode;
  placement: Placement;
  quotas: QuotasProps;
  state: TenantState;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  suspendedAt: Date | null;
  offboardedAt: Date | null;
}

/**
 * How a tenant's generation-time boundary becomes enforced runtime isolation: its isolation mode and
 * the placement derived from it, its quotas, and its lifecycle `active ⇄ suspended → offboarded`
 * (terminal). Every rule lives here; every change records an event that the repository publishes.
 */
export class RuntimeTenantBinding extends AggregateRoot<string, TenantEvent> {
  private constructor(
    id: string,
    version: number,
    private displayNameValue: string,
    private mode: IsolationMode,
    private placementValue: Placement,
    private quotasValue: Quotas,
    private stateValue: TenantState,
    private readonly createdAtValue: Date,
    private updatedAtValue: Date,
    private suspendedAtValue: Date | null,
    private offboardedAtValue: Date | null,
  ) {
    super(id, version);
  }

  static onboard(input: { id: string; displayName: string; isolationMode: IsolationMode; quotas: QuotasProps }, now: Date): RuntimeTenantBinding {
    if (!TENANT_ID_PATTERN.test(input.id)) {
      throw new DomainError('validation_failed', 'id must match ^[a-z0-9][a-z0-9-]{1,62}$', { field: 'id' });
    }
    const quotas = Quotas.of(input.quotas);
    const placement = placementFor(input.id, input.isolationMode);
    const binding = new RuntimeTenantBinding(input.id, 0, checkName(input.displayName), input.isolationMode, placement, quotas, 'active', now, now, null, null);
    binding.record(
      new TenantOnboarded(input.id, { displayName: binding.displayNameValue, isolationMode: input.isolationMode, placement, quotas: quotas.value }, now),
    );
    return binding;
  }

  static rehydrate(s: TenantBindingSnapshot): RuntimeTenantBinding {
    return new RuntimeTenantBinding(
      s.id,
      s.version,
      s.displayName,
      s.isolationMode,
      s.placement,
      Quotas.of(s.quotas),
      s.state,
      s.createdAt,
      s.updatedAt,
      s.suspendedAt,
      s.offboardedAt,
    );
  }

  get state(): TenantState {
    return this.stateValue;
  }

  get quotas(): QuotasProps {
    return this.quotasValue.value;
  }

  rename(displayName: string, now: Date): void {
    TENANT_LIFECYCLE.next(this.stateValue, 'rename');
    const next = checkName(displayName);
    if (next === this.displayNameValue) return;
    this.displayNameValue = next;
    this.touch(now);
    this.record(new TenantRenamed(this.id, { displayName: next }, now));
  }

  /**
   * Lowering a quota below current usage is allowed: it is reported (`overQuota`) and blocks new growth
   * where the quota is enforced, but nothing running is taken away.
   */
  changeQuotas(quotas: QuotasProps, usage: Usage, now: Date): { overQuota: boolean; exceeded: (keyof QuotasProps)[] } {
    TENANT_LIFECYCLE.next(this.stateValue, 'changeQuotas');
    const next = Quotas.of(quotas);
    if (!next.equals(this.quotasValue)) {
      const previous = this.quotasValue.value;
      this.quotasValue = next;
      this.touch(now);
      this.record(new TenantQuotasChanged(this.id, { quotas: next.value, previous }, now));
    }
    const exceeded = this.quotasValue.exceededBy(usage);
    return { overQuota: exceeded.length > 0, exceeded };
  }

  /** The mode decides placement, so it can change only while nothing is placed yet. */
  changeIsolation(mode: IsolationMode, liveEnvironments: number, now: Date): void {
    TENANT_LIFECYCLE.next(this.stateValue, 'changeIsolation');
    if (mode === this.mode) return;
    if (liveEnvironments > 0) {
      throw new PreconditionFailedError(`Tenant ${this.id} has live environments; its isolation mode cannot change`, [
        `${liveEnvironments} live environment(s) must be decommissioned first`,
      ]);
    }
    const previousMode = this.mode;
    this.mode = mode;
    this.placementValue = placementFor(this.id, mode);
    this.touch(now);
    this.record(new TenantIsolationChanged(this.id, { isolationMode: mode, previousMode, placement: this.placementValue }, now));
  }

  suspend(reason: string | null, now: Date): void {
    this.stateValue = TENANT_LIFECYCLE.next(this.stateValue, 'suspend');
    this.suspendedAtValue = now;
    this.touch(now);
    this.record(new TenantSuspended(this.id, { reason }, now));
  }

  reactivate(reason: string | null, now: Date): void {
    this.stateValue = TENANT_LIFECYCLE.next(this.stateValue, 'reactivate');
    this.suspendedAtValue = null;
    this.touch(now);
    this.record(new TenantReactivated(this.id, { reason }, now));
  }

  /** Terminal: the tenant's environments are decommissioned (by inventory, from the event). */
  offboard(reason: string | null, now: Date): void {
    this.stateValue = TENANT_LIFECYCLE.next(this.stateValue, 'offboard');
    this.offboardedAtValue = now;
    this.touch(now);
    this.record(new TenantOffboarded(this.id, { reason }, now));
  }

  isOverQuota(usage: Usage = NO_USAGE): boolean {
    return this.quotasValue.exceededBy(usage).length > 0;
  }

  snapshot(): TenantBindingSnapshot {
    return {
      id: this.id,
      displayName: this.displayNameValue,
      isolationMode: this.mode,
      placement: this.placementValue,
      quotas: this.quotasValue.value,
      state: this.stateValue,
      version: this.version,
      createdAt: this.createdAtValue,
      updatedAt: this.updatedAtValue,
      suspendedAt: this.suspendedAtValue,
      offboardedAt: this.offboardedAtValue,
    };
  }

  private touch(now: Date): void {
    this.updatedAtValue = now;
  }
}

function checkName(displayName: string): string {
  const name = displayName.trim();
  if (name.length < 1 || name.length > 200) throw new DomainError('validation_failed', 'displayName must be 1 to 200 characters', { field: 'displayName' });
  return name;
}
