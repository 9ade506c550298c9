/**
 * A fact that happened inside an aggregate, recorded by the aggregate itself and never published directly.
 * Domain events are plain, immutable data; the repository maps them to published integration events
 * (`contracts/`) and appends those to the outbox in the same transaction as the state change.
 */
export abstract class DomainEvent<TPayload extends object = object> {
  /** Past-tense name of the fact, e.g. `EnvironmentReady`. */
  abstract readonly name: string;
  readonly occurredAt: Date;
  constructor(
    readonly aggregateId: string,
    readonly payload: Readonly<TPayload>,
    occurredAt?: Date,
  ) {
    this.occurredAt = occurredAt ?? new Date();
    Object.freeze(this.payload);
  }
}
