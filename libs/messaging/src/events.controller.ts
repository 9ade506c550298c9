import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Authorize, Public, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, Cursors, PageQuery } from '@rcp/http';
import { TransactionManager } from '@rcp/persistence';
import { buildAsyncApi } from './asyncapi';
import { CloudEventResponse } from './cloud-event.response';
import { CloudEventEnvelope } from './integration-event';

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
  @ApiProperty({ description: 'CloudEvents 1.0 envelopes in commit order', type: [CloudEventResponse] })
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
  @ApiOperation({ summary: 'Read the event feed', description: 'Events of the caller\'s tenant (all tenants for platform tokens) after a cursor, in commit order.' })
  @ApiOkResponse({ type: EventFeedPage, description: 'The next events of the feed, oldest first' })
  @ApiProblems('validation_failed', 'forbidden')
  async feed(@Query() q: EventFeedQuery): Promise<EventFeedPage> {
    const limit = q.limit ?? 50;
    const after = Cursors.decode<{ p: number }>(q.after ?? q.cursor, ['p'])?.p ?? 0;
    const type = q.type ?? null;
    const prefix = type?.endsWith('.*') ? type.slice(0, -1) : null;
    const rows: Array<{ position: string; envelope: CloudEventEnvelope }> = await this.tx.read((m) =>
      m.query(
        `SELECT position, envelope FROM platform.event_log
         WHERE position > $1
           AND (($2::text IS NULL AND $3::text IS NULL) OR type = $2 OR ($3::text IS NOT NULL AND type LIKE $3 || '%'))
         ORDER BY position LIMIT $4`,
        [after, prefix ? null : type, prefix, limit],
      ),
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => r.envelope),
      nextCursor: last ? Cursors.encode({ p: Number(last.position) }) : q.after ?? q.cursor ?? null,
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
