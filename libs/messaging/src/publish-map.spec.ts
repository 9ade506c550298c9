import { DomainEvent } from '@rcp/ddd';
import { IntegrationEvent, PublishedEvent } from './integration-event';
import { PublishMap, publishing } from './publish-map';

class Opened extends DomainEvent<{ by: string }> {
  readonly name = 'Opened';
}
class Peeked extends DomainEvent<{ by: string }> {
  readonly name = 'Peeked';
}
type DoorEvent = Opened | Peeked;

@PublishedEvent({ type: 'rcp.publishmaptest.door-opened.v1', description: 'test', schema: { type: 'object' } })
class DoorOpenedV1 extends IntegrationEvent<{ doorId: string; by: string }> {}

describe('publishing (a typed publish map per aggregate)', () => {
  const toPublished = publishing<DoorEvent>({
    Opened: (e) => new DoorOpenedV1({ doorId: e.aggregateId, by: e.payload.by }),
    Peeked: 'internal',
  });

  it('maps each domain event in order, drops the internal ones, and carries when each happened', () => {
    const t1 = new Date('2026-01-01T10:00:00Z');
    const t2 = new Date('2026-01-01T11:00:00Z');
    const out = toPublished([new Opened('d1', { by: 'ann' }, t1), new Peeked('d1', { by: 'bob' }, t1), new Opened('d1', { by: 'cy' }, t2)]);
    expect(out.map((e) => [e.constructor, e.data, e.occurredAt])).toEqual([
      [DoorOpenedV1, { doorId: 'd1', by: 'ann' }, t1],
      [DoorOpenedV1, { doorId: 'd1', by: 'cy' }, t2],
    ]);
  });

  it('makes an unmapped domain event a compile error (checked by tsc over this file)', () => {
    // @ts-expect-error Peeked is neither mapped nor marked internal.
    const incomplete: PublishMap<DoorEvent> = { Opened: (e) => new DoorOpenedV1({ doorId: e.aggregateId, by: e.payload.by }) };
    expect(incomplete).toBeDefined();
  });
});
