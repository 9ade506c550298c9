import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts, SpanKind, TracedSpan, withSpan } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { CloudEventEnvelope, EventCatalogue, IntegrationEvent } from './integration-event';
import { schemaProblems } from './json-schema';
import { RelayWakeup } from './relay-wakeup';

export interface OutboxAppend {
  aggregateType: string;
  aggregateId: string;
  /** The version the aggregate has after this save. */
  aggregateVersion: number;
  tenantId: string | null;
  projectId?: string | null;
  events: IntegrationEvent[];
}

/**
 * Appends integration events to `platform.outbox_events` inside the caller's transaction, wrapped in the
 * canonical CloudEvents envelope with tenant, correlation, causation and trace context. Nothing is
 * published here: the relay does that after commit. After the commit a wake-up hint is sent, never
 * inside the transaction (a NOTIFY there serializes commits).
 *
 * Under NODE_ENV=test every event's `data` is checked against its catalogue schema and a mismatch throws,
 * so a schema that drifts from what the code publishes fails the suite instead of reaching consumers.
 */
@Injectable()
export class OutboxWriter {
  constructor(
    private readonly tx: TransactionManager,
    private readonly wakeup: RelayWakeup,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  async append(batch: OutboxAppend): Promise<CloudEventEnvelope[]> {
    if (batch.events.length === 0) return [];
    return withSpan(
      `outbox append ${batch.aggregateType}`,
      () => ({
        'messaging.system': 'rcp-outbox',
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': batch.events.length,
        'rcp.event.types': [...new Set(batch.events.map((e) => EventCatalogue.ofClass(e.constructor).type))],
        'rcp.aggregate.type': batch.aggregateType,
        'rcp.aggregate.id': batch.aggregateId,
        'rcp.aggregate.version': batch.aggregateVersion,
      }),
      (traced) => this.appendIn(batch, traced),
      { kind: SpanKind.PRODUCER },
    );
  }

  /**
   * The envelopes name the work that recorded them in `traceparent`: the append's span when tracing is
   * on (so the relay's, handlers' and jobs' spans in any process become its descendants), else the
   * request context's traceparent as it is.
   */
  private async appendIn(batch: OutboxAppend, traced: TracedSpan | undefined): Promise<CloudEventEnvelope[]> {
    const ctx = RequestContexts.current();
    const now = new Date().toISOString();
    const envelopes = batch.events.map((event): CloudEventEnvelope => {
      const entry = EventCatalogue.ofClass(event.constructor);
      if (this.settings.NODE_ENV === 'test') {
        const problems = schemaProblems(entry.schema, JSON.parse(JSON.stringify(event.data)), { allCarried: false });
        if (problems.length) throw new Error(`${entry.type} does not match its catalogue schema: ${problems.join('; ')}`);
      }
      const env: CloudEventEnvelope = {
        specversion: '1.0',
        id: randomUUID(),
        source: `/rcp/${entry.context}`,
        type: entry.type,
        subject: batch.aggregateId,
        time: event.occurredAt?.toISOString() ?? now,
        datacontenttype: 'application/json',
        data: event.data,
        moduleid: entry.context,
        traceparent: traced?.traceparent ?? ctx?.traceparent ?? '00-00000000000000000000000000000001-0000000000000001-01',
        correlationid: ctx?.correlationId ?? randomUUID(),
        aggregatetype: batch.aggregateType,
        aggregateversion: String(batch.aggregateVersion),
      };
      if (batch.tenantId) env.tenantid = batch.tenantId;
      if (batch.projectId) env.projectid = batch.projectId;
      if (ctx?.causationId) env.causationid = ctx.causationId;
      return env;
    });
    const values: unknown[] = [];
    const rows = envelopes.map((env, i) => {
      const o = i * 7;
      values.push(env.id, batch.tenantId, env.type, batch.aggregateType, batch.aggregateId, batch.aggregateVersion, JSON.stringify(env));
      return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7}::jsonb)`;
    });
    // Sent with the transaction's COMMIT (nothing reads the rows before): no round trip of its own.
    await this.tx.deferToCommit({
      sql: `INSERT INTO platform.outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, aggregate_version, envelope) VALUES ${rows.join(', ')}`,
      params: values,
    });
    this.tx.afterCommit(() => this.wakeup.outboxChanged());
    return envelopes;
  }
}
