import { DomainEvent } from './domain-event';

/**
 * Base of every aggregate. It records domain events instead of publishing them and carries the
 * persisted `version` used for optimistic concurrency. `TEvent` is the union of the aggregate's domain
 * event classes: it can record only those, and its repository's publish map must cover each.
 *
 * Versioning: `version` is what was loaded (0 for a new aggregate). A successful save writes
 * `version + 1` guarded by `WHERE version = :loaded`; the unit of work then calls `markPersisted()`.
 * Several changes in one command therefore bump the version once, which is what clients see in `ETag`.
 */
export abstract class AggregateRoot<TId extends string = string, TEvent extends DomainEvent = DomainEvent> {
  private recorded: TEvent[] = [];
  protected constructor(
    readonly id: TId,
    private persistedVersion: number,
  ) {}

  /** Version as loaded from storage (0 when new). */
  get version(): number {
    return this.persistedVersion;
  }

  /** Version this aggregate will have once its pending changes are saved. */
  get nextVersion(): number {
    return this.persistedVersion + 1;
  }

  get isNew(): boolean {
    return this.persistedVersion === 0;
  }

  protected record(event: TEvent): void {
    this.recorded.push(event);
  }

  /** The events recorded since the last pull, in order; clears them. */
  pullEvents(): TEvent[] {
    const events = this.recorded;
    this.recorded = [];
    return events;
  }

  /** Events recorded and not yet pulled (for tests and repositories that need to peek). */
  peekEvents(): readonly TEvent[] {
    return this.recorded;
  }

  markPersisted(version: number): void {
    this.persistedVersion = version;
  }
}
