import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IEventHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { EventCatalogue, IntegrationEvent } from './integration-event';

// Same key @nestjs/cqrs uses for @EventsHandler (stable across v10-v11).
const EVENTS_HANDLER_METADATA = '__eventsHandler__';
const DELIVER_FROM_METADATA = 'rcp:deliver-from';

/**
 * Where a handler's deliveries start when it is first registered: `registration` (default), every event
 * relayed after its first registration; `beginning`, also every event of its types still in
 * `platform.event_log` (a projection that must see history).
 */
export type DeliverFrom = 'registration' | 'beginning';

/** Declares where a newly registered handler's deliveries start (see {@link DeliverFrom}). */
export function DeliverFrom(from: DeliverFrom): ClassDecorator {
  return (target) => Reflect.defineMetadata(DELIVER_FROM_METADATA, from, target);
}

export interface Subscription {
  /** Stable handler name: the class name, also the inbox key. */
  name: string;
  handler: IEventHandler<IntegrationEvent>;
  from: DeliverFrom;
}

/**
 * Which handler subscribes to which event type. Handlers are ordinary `@EventsHandler(...)` providers
 * of `@nestjs/cqrs` (so they stay discoverable and testable the Nest way), but they are never invoked
 * through `EventBus.publish`, which neither awaits handlers nor reports their failures. Instead the relay
 * fans each event out to one delivery row per subscribed handler and the delivery worker calls the
 * handler itself, inside a transaction with its inbox row.
 *
 * Every worker registers its subscriptions in `platform.event_subscriptions` when it starts (and
 * refreshes them while it runs), and the relay fans out by that table, so fan-out does not depend on
 * which build holds the relay's lock (guarantee 6 of OUTBOX.md). Registration is serialized with relay
 * rounds (it locks `relay_state`), so a new handler receives every event relayed after it registered,
 * and with `@DeliverFrom('beginning')` also the retained history of its event types.
 */
@Injectable()
export class EventSubscriptions implements OnModuleInit, OnApplicationBootstrap {
  private readonly byType = new Map<string, Subscription[]>();
  private readonly byName = new Map<string, Subscription>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly ds: DataSource,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance) continue;
      const events = Reflect.getMetadata(EVENTS_HANDLER_METADATA, metatype) as unknown[] | undefined;
      if (!events?.length) continue;
      const from = (Reflect.getMetadata(DELIVER_FROM_METADATA, metatype) as DeliverFrom | undefined) ?? 'registration';
      this.register((metatype as { name: string }).name, instance as IEventHandler<IntegrationEvent>, events, from);
    }
  }

  /**
   * Every process registers its build's subscriptions as it starts (api processes too: they ship the same
   * handlers, and a build's subscriptions should be known before any of its workers runs).
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.registerAll();
  }

  register(name: string, handler: IEventHandler<IntegrationEvent>, events: unknown[], from: DeliverFrom = 'registration'): void {
    if (this.byName.has(name)) throw new Error(`Two event handlers are named ${name}; handler names are inbox keys and must be unique`);
    const sub = { name, handler, from };
    this.byName.set(name, sub);
    for (const cls of events) {
      const { type } = EventCatalogue.ofClass(cls);
      const list = this.byType.get(type) ?? [];
      list.push(sub);
      this.byType.set(type, list);
    }
  }

  /** Names of the handlers this process can run (the only deliveries its workers claim). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * Records this process's subscriptions in `platform.event_subscriptions`: new ones start where
   * declared, known ones are marked seen. Locks `relay_state` like a relay round, so a registration
   * falls wholly between two rounds: the rounds after it fan out to the new handler, the ones before
   * it were backfilled or are before its start. Idempotent; workers call it at start and periodically.
   */
  async registerAll(): Promise<number> {
    const handlers: string[] = [];
    const types: string[] = [];
    const fromStart: boolean[] = [];
    for (const [type, subs] of this.byType) {
      for (const sub of subs) {
        handlers.push(sub.name);
        types.push(type);
        fromStart.push(sub.from === 'beginning');
      }
    }
    if (handlers.length === 0) return 0;
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT last_position FROM platform.relay_state WHERE id = 1 FOR UPDATE`);
      const [{ added }] = await runner.query(
        `WITH reg AS (
           INSERT INTO platform.event_subscriptions (handler, event_type, from_position)
           SELECT r.handler, r.type, CASE WHEN r.from_start THEN 0 ELSE (SELECT last_position FROM platform.relay_state WHERE id = 1) END
           FROM unnest($1::text[], $2::text[], $3::boolean[]) AS r(handler, type, from_start)
           ON CONFLICT (handler, event_type) DO UPDATE SET seen_at = clock_timestamp()
           RETURNING handler, event_type, from_position, (xmax = 0) AS added
         ), backfill AS (
           INSERT INTO platform.event_deliveries (event_id, handler, position, aggregate_id, tenant_id, head)
           SELECT e.id, reg.handler, e.position, e.aggregate_id, e.tenant_id,
                  row_number() OVER (PARTITION BY reg.handler, e.aggregate_id ORDER BY e.position) = 1
                  AND NOT EXISTS (SELECT 1 FROM platform.event_deliveries p WHERE p.handler = reg.handler AND p.aggregate_id = e.aggregate_id)
           FROM reg JOIN platform.event_log e ON e.type = reg.event_type AND e.position > reg.from_position
           WHERE reg.added
           ON CONFLICT (event_id, handler) DO NOTHING
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM reg WHERE added)::int AS added, (SELECT count(*) FROM backfill)::int AS backfilled`,
        [handlers, types, fromStart],
      );
      await runner.commitTransaction();
      return added as number;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  get(name: string): Subscription | undefined {
    return this.byName.get(name);
  }
}
