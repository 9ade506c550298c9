import { DomainEvent } from '@rcp/ddd';
import { IntegrationEvent } from './integration-event';

/**
 * How one aggregate publishes: for each of its domain events (by `name`), the integration event it
 * becomes, or `'internal'` when it is not published. Keyed over the aggregate's union of domain event
 * classes, so a domain event added to that union without a mapping is a compile error, not a run-time throw.
 */
export type PublishMap<E extends DomainEvent> = {
  [N in E['name']]: ((event: Extract<E, { name: N }>) => IntegrationEvent) | 'internal';
};

/**
 * Maps an aggregate's pulled domain events to their published form, in order, dropping the internal
 * ones. Each integration event carries its domain event's `occurredAt`, the envelope's `time`.
 */
export function publishing<E extends DomainEvent>(map: PublishMap<E>): (events: readonly E[]) => IntegrationEvent[] {
  return (events) =>
    events.flatMap((event) => {
      const to = (map as Record<string, ((e: E) => IntegrationEvent) | 'internal'>)[event.name];
      if (to === 'internal') return [];
      const published = to(event);
      published.occurredAt = event.occurredAt;
      return [published];
    });
}
