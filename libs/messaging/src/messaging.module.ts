import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AggregateStore } from './aggregate-store';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryWorker } from './delivery-worker';
import { EventSubscriptions } from './event-subscriptions';
import { EventsController } from './events.controller';
import { OutboxWriter } from './outbox-writer';
import { PgSession } from './pg-listener';
import { OutboxRelay } from './relay';
import { ReadModelRebuilder } from './read-model-rebuilder';
import { RelayWakeup } from './relay-wakeup';

/**
 * The event spine: outbox writer (every process), relay and delivery worker (started by the worker
 * role), the feed and catalogue endpoints (api role).
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(opts: { http: boolean }): DynamicModule {
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      controllers: opts.http ? [EventsController, DeliveriesController] : [],
      providers: [RelayWakeup, OutboxWriter, AggregateStore, EventSubscriptions, PgSession, OutboxRelay, DeliveryWorker, ReadModelRebuilder],
      exports: [RelayWakeup, OutboxWriter, AggregateStore, EventSubscriptions, PgSession, OutboxRelay, DeliveryWorker, ReadModelRebuilder],
    };
  }
}
