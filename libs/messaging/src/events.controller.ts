import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Authorize, CurrentActor, Public, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, Keyset, PageQuery } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { TransactionManager, readScopeConditions } from '@rcp/persistence';
import { buildAsyncApi } from './asyncapi';
import { CloudEventEnvelope } from './integration-event';

/** A feed cursor is a feed position and nothing else. */
const FEED_KEYSET = new Keyset({ p: 'position' });

export class EventFeedQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Feed position to read after (the `nextCursor` of the previous page)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;

  @ApiPropertyOptional({ example: 'rcp.inventory.*', description: 'An event type or a prefix ending in .*' })
  @IsOptional()
  @Matches(/^rcp(\.[a-z0-9-]+)*(\.\*|\.v[0-9]+)?$/)
  type?: string;
}

export class EventFeedPage {
  @ApiProperty({ description: 'CloudEvents 1.0 envelopes in commit order', type: 'array', items: { type: 'object' } })
  items: CloudEventEnvelope[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `after` to continue; null when caught up' })
  nextCursor: string | null;
}

/**
 * The pull feed of a tenant's events in commit order. Positions are assigned by the relay when it
 * claims an event, so an event whose transaction committed late gets a later position and a cursor
 * never skips it.
 */
@ApiTags('Events')
@Controller('v1')
export class EventsController {
  constructor(private readonly tx: TransactionManager) {}

  @Get('events')
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'Read the event feed',
    description:
      'Events of the caller\'s tenant (all tenants for platform tokens) after a cursor, in commit order. A token with `project_ids` ' +
      'sees only the events of those projects (extension `projectid`); tenant-level events, which carry no project, are not shown to it.',
  })
  @ApiOkResponse({ type: EventFeedPage })
  @ApiProblems('validation_failed', 'forbidden')
  async feed(@Query() q: EventFeedQuery, @CurrentActor() actor: Actor): Promise<EventFeedPage> {
    const limit = q.limit ?? 50;
    const after = FEED_KEYSET.decode(q.after ?? q.cursor, q.after !== undefined ? 'after' : 'cursor')?.p ?? 0;
    const params: unknown[] = [after];
    const where = ['position > $1', ...readScopeConditions(actor, { tenant: 'tenant_id', project: `(envelope->>'projectid')` }, params)];
    if (q.type?.endsWith('.*')) where.push(`starts_with(type, $${params.push(q.type.slice(0, -1))})`);
    else if (q.type) where.push(`type = $${params.push(q.type)}`);
    const rows: Array<{ position: string; envelope: CloudEventEnvelope }> = await this.tx.read((m) =>
      m.query(`SELECT position, envelope FROM platform.event_log WHERE ${where.join(' AND ')} ORDER BY position LIMIT $${params.push(limit)}`, params),
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => r.envelope),
      nextCursor: last ? FEED_KEYSET.encode({ p: Number(last.position) }) : q.after ?? q.cursor ?? null,
    };
  }

  @Get('event-catalog')
  @Public()
  @Header('content-type', 'application/json')
  @ApiOperation({ summary: 'AsyncAPI 3.0 catalogue of every event type', description: 'Each event type with the JSON Schema of its data.' })
  @ApiOkResponse({ description: 'AsyncAPI 3.0 document', schema: { type: 'object' } })
  catalog(): Record<string, unknown> {
    return buildAsyncApi();
  }
}
