import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DomainError } from '@rcp/ddd';
import { DbScope, TransactionManager } from '@rcp/persistence';
import { CloudEventEnvelope, EventCatalogue } from './integration-event';
import { RETENTION_LOCK_KEY } from './lock-keys';
import { Projection, ReadModelDeclaration, readModelOf } from './projection';

const PLATFORM: DbScope = { tenantId: null, platform: true };

export interface RebuildOptions {
  /**
   * Rebuild even though retention pruned part of the event log (`RETENTION_EVENT_LOG_DAYS`): the rows
   * of facts older than the window are then lost. Without it such a rebuild is refused.
   */
  allowPruned?: boolean;
  /** Events read per statement. */
  batchSize?: number;
}

export interface RebuildResult {
  readModel: string;
  /** Events replayed into it. */
  events: number;
  /** The feed position of the last event replayed (0 when there was none). */
  throughPosition: number;
  /** The highest position retention pruned before the rebuild, or null if nothing was. */
  prunedThrough: number | null;
}

/**
 * Rebuilds a `@ReadModel` from `platform.event_log`, for an operator who fixed a projection's code or
 * suspects its rows (`POST /v1/read-models/{name}/rebuild`). In one transaction: the read model's tables
 * are locked against writes (its live deliveries wait: a rebuild longer than `DB_STATEMENT_TIMEOUT_MS`
 * makes them fail and retry, and one longer than their retries dead-letters them), emptied, and every
 * retained event of its types is applied again in feed order through the projection's own `@On` methods. When it commits, the
 * deliveries that waited apply their events again, which changes nothing (the projection's writes are
 * idempotent and version-guarded). Nothing is half-done: a failure rolls the whole rebuild back and
 * the read model stays as it was.
 */
@Injectable()
export class ReadModelRebuilder implements OnModuleInit {
  private readonly log = new Logger('ReadModelRebuilder');
  private readonly models = new Map<string, { declaration: ReadModelDeclaration; projection: Projection }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly tx: TransactionManager,
  ) {}

  onModuleInit(): void {
    for (const { metatype, instance } of this.discovery.getProviders()) {
      const declaration = readModelOf(metatype);
      if (!declaration || !(instance instanceof Projection)) continue;
      if (this.models.has(declaration.name)) throw new Error(`Two read models are named ${declaration.name}`);
      this.models.set(declaration.name, { declaration, projection: instance });
    }
  }

  /** A read model's declaration (its tables and event types), or undefined if there is none of that name. */
  declarationOf(name: string): ReadModelDeclaration | undefined {
    return this.models.get(name)?.declaration;
  }

  /** The read models this build can rebuild, by name. */
  names(): string[] {
    return [...this.models.keys()].sort();
  }

  async rebuild(name: string, opts: RebuildOptions = {}): Promise<RebuildResult> {
    const model = this.models.get(name);
    if (!model) throw new DomainError('not_found', `No read model is named ${name}`, { readModels: this.names() });
    const { declaration, projection } = model;
    const types = declaration.events.map((cls) => EventCatalogue.ofClass(cls).type);
    const batchSize = opts.batchSize ?? 500;
    const result = await this.tx.run(async (m) => {
      // Writers of the read model, and readers that lock its rows (FOR UPDATE), wait until the rebuild
      // commits; plain reads go on with the rows as they were. Retention waits too (its batches try the
      // same lock and end their round), so no event is pruned between the check below and the replay.
      await m.query(`LOCK TABLE ${declaration.tables.map((t) => t.name).join(', ')} IN EXCLUSIVE MODE`);
      await m.query(`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_KEY})`);
      const [{ through }] = await m.query(`SELECT max(through)::bigint AS through FROM platform.event_log_pruned`);
      const prunedThrough = through === null ? null : Number(through);
      if (prunedThrough !== null && !opts.allowPruned) {
        throw new DomainError('precondition_failed', `Retention pruned the event log through position ${prunedThrough}; rebuilding ${name} from what is left would lose older facts`, {
          reasons: [`event log pruned through position ${prunedThrough}`, 'rebuild with allowPruned to accept it'],
        });
      }
      for (const table of declaration.tables) await m.query(`DELETE FROM ${table.name}`);
      let events = 0;
      let after = 0;
      for (;;) {
        const rows: Array<{ position: string; envelope: CloudEventEnvelope }> = await m.query(
          `SELECT position, envelope FROM platform.event_log WHERE type = ANY($1::text[]) AND position > $2 ORDER BY position LIMIT $3`,
          [types, after, batchSize],
        );
        for (const row of rows) {
          const event = EventCatalogue.materialize(row.envelope, Number(row.position));
          if (!event) throw new Error(`event type ${row.envelope.type} is not in the catalogue`);
          await projection.handle(event);
          events++;
          after = Number(row.position);
        }
        if (rows.length < batchSize) break;
      }
      return { readModel: name, events, throughPosition: after, prunedThrough };
    }, PLATFORM);
    this.log.log(`rebuilt read model ${name} from ${result.events} events (through position ${result.throughPosition})`);
    return result;
  }
}
