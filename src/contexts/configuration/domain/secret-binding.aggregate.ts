import { AggregateRoot } from '@rcp/ddd';
import { SecretBindingCreated, SecretBindingEvent, SecretBindingRemoved, SecretBindingResealed, SecretBindingResolvabilityChanged } from './configuration.domain-events';
import { SecretProvider } from './secret-binding-reference';

export type BindingStatus = 'resolvable' | 'unresolvable';

/** An inline value as stored: sealed under a master key (envelope encryption), opaque to the domain. */
export interface SealedSecret {
  /** The master key that wraps its data key (for rotation). */
  keyId: string;
  /** The envelope, base64: wrapped data key and the AES-256-GCM ciphertext with their nonces and tags. */
  envelope: string;
}

/** Whether a binding can be resolved now; `reason` says why not (phrased for the tenant, never the vault's words). */
export interface Resolvability {
  status: BindingStatus;
  reason: string | null;
}

export interface SecretBindingSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  name: string;
  provider: SecretProvider;
  reference: string | null;
  identity: string | null;
  status: BindingStatus;
  reason: string | null;
  checkedAt: Date;
  /** Inline only; never in a view, a log or an event. Wiped when the binding is removed. */
  sealed: SealedSecret | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  removedAt: Date | null;
}

/**
 * A named reference from an environment to a secret: where a vault keeps it and which identity may read
 * it, or (inline) the value sealed by the control plane. Its `status` is a judgement, renewed by every
 * check; a change of status is an event (deployments that need the binding fail closed on
 * `unresolvable`). Removal keeps the row (for the audit trail) but wipes a sealed value.
 */
export class SecretBinding extends AggregateRoot<string, SecretBindingEvent> {
  private constructor(
    private s: SecretBindingSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static create(
    props: Pick<SecretBindingSnapshot, 'id' | 'tenantId' | 'projectId' | 'environmentId' | 'name' | 'provider' | 'reference' | 'identity' | 'sealed' | 'createdBy'>,
    resolvability: Resolvability,
    now: Date,
  ): SecretBinding {
    const b = new SecretBinding({ ...props, ...resolvability, checkedAt: now, createdAt: now, updatedAt: now, removedAt: null }, 0);
    b.record(new SecretBindingCreated(b.id, { ...b.ref(), reference: props.reference, identity: props.identity, ...resolvability }, now));
    return b;
  }

  static rehydrate(s: SecretBindingSnapshot, version: number): SecretBinding {
    return new SecretBinding({ ...s }, version);
  }

  /** Notes the outcome of a check; only a change of status is an event (a new reason alone is not). */
  recordCheck(result: Resolvability, now: Date): { changed: boolean } {
    const previousStatus = this.s.status;
    this.s = { ...this.s, status: result.status, reason: result.reason, checkedAt: now, updatedAt: now };
    if (previousStatus === result.status) return { changed: false };
    this.record(new SecretBindingResolvabilityChanged(this.id, { ...this.ref(), status: result.status, reason: result.reason, previousStatus }, now));
    return { changed: true };
  }

  /** Removes the binding and wipes a sealed value; removing a removed binding changes nothing. */
  remove(now: Date): { removed: boolean } {
    if (this.s.removedAt) return { removed: false };
    this.s = { ...this.s, sealed: null, removedAt: now, updatedAt: now };
    this.record(new SecretBindingRemoved(this.id, this.ref(), now));
    return { removed: true };
  }

  /** Replaces the sealed value by the same value sealed under another master key (rotation). */
  reseal(sealed: SealedSecret, now: Date): void {
    if (!this.s.sealed || this.s.removedAt) return;
    this.s = { ...this.s, sealed, updatedAt: now };
    this.record(new SecretBindingResealed(this.id, { ...this.ref(), keyId: sealed.keyId }, now));
  }

  get projectId(): string {
    return this.s.projectId;
  }

  get removed(): boolean {
    return this.s.removedAt !== null;
  }

  snapshot(): SecretBindingSnapshot {
    return { ...this.s };
  }

  private ref() {
    return { tenantId: this.s.tenantId, projectId: this.s.projectId, environmentId: this.s.environmentId, name: this.s.name, provider: this.s.provider };
  }
}
