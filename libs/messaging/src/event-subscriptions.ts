import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IEventHandler } from '@nestjs/cqrs';
import { EventCatalogue, IntegrationEvent } from './integration-event';

// Same key @nestjs/cqrs uses for @EventsHandler (stable across v10-v11).
const EVENTS_HANDLER_METADATA = '__eventsHandler__';

export interface Subscription {
  /** Stable handler name: the class name, also the inbox key. */
  name: string;
  handler: IEventHandler<IntegrationEvent>;
}

/**
 * Which handler subscribes to which event type. Handlers are ordinary `@EventsHandler(...)` providers
 * of `@nestjs/cqrs` (so they stay discoverable and testable the Nest way), but they are never invoked
 * through `EventBus.publish`, which neither awaits handlers nor reports their failures. Instead the relay
 * fans each event out to one delivery row per subscribed handler and the delivery worker calls the
 * handler itself, inside a transaction with its inbox row.
 */
@Injectable()
export class EventSubscriptions implements OnModuleInit {
  private readonly byType = new Map<string, Subscription[]>();
  private readonly byName = new Map<string, Subscription>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance) continue;
      const events = Reflect.getMetadata(EVENTS_HANDLER_METADATA, metatype) as unknown[] | undefined;
      if (!events?.length) continue;
      this.register((metatype as { name: string }).name, instance as IEventHandler<IntegrationEvent>, events);
    }
  }

  register(name: string, handler: IEventHandler<IntegrationEvent>, events: unknown[]): void {
    if (this.byName.has(name)) throw new Error(`Two event handlers are named ${name}; handler names are inbox keys and must be unique`);
    const sub = { name, handler };
    this.byName.set(name, sub);
    for (const cls of events) {
      const { type } = EventCatalogue.ofClass(cls);
      const list = this.byType.get(type) ?? [];
      list.push(sub);
      this.byType.set(type, list);
    }
  }

  /** Every (event type, handler name) pair, as two parallel arrays (what the relay fans out by). */
  routes(): { types: string[]; handlers: string[] } {
    const types: string[] = [];
    const handlers: string[] = [];
    for (const [type, subs] of this.byType) {
      for (const sub of subs) {
        types.push(type);
        handlers.push(sub.name);
      }
    }
    return { types, handlers };
  }

  handlersOf(type: string): Subscription[] {
    return this.byType.get(type) ?? [];
  }

  get(name: string): Subscription | undefined {
    return this.byName.get(name);
  }
}
