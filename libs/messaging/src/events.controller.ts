import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Authorize, CurrentActor, Public, TENANT_READERS } from '@rcp/auth';
import { ApiProblems, DEFAULT_PAGE_SIZE, Keyset, LimitQuery, ProblemException } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { TransactionManager, readScopeConditions } from '@rcp/persistence';
import { buildAsyncApi } from './asyncapi';
import { CloudEventResponse } from './cloud-event.response';
import { CloudEventEnvelope, EVENT_TYPE_FILTER, EVENT_TYPE_FILTER_MESSAGE } from './integration-event';
import { DELIVERY_CHANNEL, RelayWakeup } from './relay-wakeup';

/** Longest long poll (`wait`), seconds. */
export const FEED_MAX_WAIT_SECONDS = 30;
/** While a long poll waits, the feed is read again at least this often (the relay's in-process or NOTIFY hint usually comes first). */
const FEED_WAIT_POLL_MS = 250;

/** A feed cursor is a feed position and nothing else. */
const FEED_KEYSET = new Keyset({ p: 'position' });

/**
 * `?after=&type=&limit=`. The feed's only cursor parameter is `after`; `cursor` (what other lists use)
 * is an unknown parameter here and refused like any other.
 */
export class EventFeedQuery extends LimitQuery {
  @ApiPropertyOptional({
    description: 'Read events after this position: the `nextCursor` or `resumeAfter` of a previous page. Without it, the feed starts at its oldest event.',
    maxLength: 512,
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;

  @ApiPropertyOptional({
    example: 'rcp.inventory.*',
    pattern: EVENT_TYPE_FILTER.source,
    description: 'One event type with its version (`rcp.inventory.environment-ready.v1`) or a prefix ending in `.*` (`rcp.inventory.*`). Anything else, a versionless type included, is 400.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(EVENT_TYPE_FILTER, { message: EVENT_TYPE_FILTER_MESSAGE })
  type?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: FEED_MAX_WAIT_SECONDS,
    description: `Long poll: when no event is waiting, hold the answer up to this many seconds (at most ${FEED_MAX_WAIT_SECONDS}) and answer as soon as one commits. 0 (default): answer at once.`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(FEED_MAX_WAIT_SECONDS)
  wait?: number;
}

export class EventFeedPage {
  @ApiProperty({ description: 'CloudEvents 1.0 envelopes in commit order', type: [CloudEventResponse] })
  items: CloudEventEnvelope[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'More events are waiting: pass it as `after` to read the next page now. `null` once the consumer is caught up.',
  })
  nextCursor: string | null;

  @ApiProperty({
    type: String,
    description:
      'Where this consumer now stands in the feed, always set: every event it may see up to here has been served (for a full page, ' +
      'the position of its last event; when caught up, the head of the feed, past events it cannot see or that its `type` does not ' +
      'match). Store it and pass it as `after` to resume later, for example when polling again after `nextCursor` was null.',
  })
  resumeAfter: string;
}

interface FeedRow {
  position: string | null;
  envelope: CloudEventEnvelope | null;
  head: string | null;
  pruned: string | null;
}

/**
 * The feed's statement: a page after `after`, with the head and how far retention pruned this consumer's
 * events, read in the same statement, hence the same snapshot, as the page. A tenant's token names its
 * tenant (`readScopeConditions`) as well as relying on row-level security, so both the page and the head
 * walk the `(tenant_id, position)` index: the policy's `OR` alone makes the planner scan the log.
 */
export function feedQuery(actor: Actor, filter: { after: number; type?: string; limit: number }): { sql: string; params: unknown[] } {
  const params: unknown[] = [filter.after];
  const scope = readScopeConditions(actor, { tenant: 'tenant_id', project: `(envelope->>'projectid')` }, params);
  const where = ['position > $1', ...scope];
  if (filter.type?.endsWith('.*')) where.push(`starts_with(type, $${params.push(filter.type.slice(0, -1))})`);
  else if (filter.type) where.push(`type = $${params.push(filter.type)}`);
  const tenant = actor.tenantId ? `WHERE tenant_id = $${params.push(actor.tenantId)}` : '';
  const prunedKey = `$${params.push(actor.tenantId ?? '*')}`;
  const sql = `WITH page AS (
       SELECT position, envelope FROM platform.event_log WHERE ${where.join(' AND ')} ORDER BY position LIMIT $${params.push(filter.limit + 1)}
     ), head AS (
       SELECT max(position) AS head, (SELECT through FROM platform.event_log_pruned WHERE tenant_id = ${prunedKey}) AS pruned
       FROM platform.event_log ${tenant}
     )
     SELECT page.position, page.envelope, head.head, head.pruned FROM head LEFT JOIN page ON true ORDER BY page.position`;
  return { sql, params };
}

/**
 * The pull feed of a tenant's events in commit order. Positions are assigned by the relay when it
 * claims an event, so an event whose transaction committed late gets a later position and a cursor
 * never skips it. The relay writes each batch of positions in one transaction, so every snapshot of
 * the log holds all positions up to its head: a consumer resuming after the head misses nothing.
 */
@ApiTags('Events')
@Controller('v1')
export class EventsController {
  constructor(
    private readonly tx: TransactionManager,
    private readonly wakeup: RelayWakeup,
  ) {}

  @Get('events')
  @Authorize(TENANT_READERS)
  @ApiOperation({
    summary: 'Read the event feed',
    description:
      'Events of the caller\'s tenant (all tenants for platform tokens) after `after`, in commit order. A token with `project_ids` ' +
      'sees only the events of those projects (extension `projectid`); tenant-level events, which carry no project, are not shown to ' +
      'it. `nextCursor` is null once the consumer is caught up; `resumeAfter` is always the position to continue from. `after` is ' +
      'the feed\'s only cursor parameter: `cursor` is refused (400) like any unknown parameter. With `wait` (seconds, at most 30), a ' +
      'consumer that is caught up is answered as soon as an event it may see commits, or with an empty page when the wait ends. Events are kept for ' +
      '`RETENTION_EVENT_LOG_DAYS` (30 days by default): an `after` older than the events the feed still holds is refused with 400 ' +
      '`validation_failed` (field `after`) rather than silently skipping what was pruned; start again without `after`.',
  })
  @ApiOkResponse({ type: EventFeedPage, description: 'The next events of the feed, oldest first' })
  @ApiProblems('validation_failed', 'forbidden')
  async feed(@Query() q: EventFeedQuery, @CurrentActor() actor: Actor): Promise<EventFeedPage> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = FEED_KEYSET.decode(q.after, 'after')?.p ?? 0;
    const { sql, params } = feedQuery(actor, { after, type: q.type, limit });
    // One statement in the caller's scope, one round trip (no BEGIN/COMMIT around it).
    const read = async (): Promise<FeedRow[]> => (await this.tx.readInOneTrip([{ sql, params }]))[0] as unknown as FeedRow[];
    let rows = await read();
    const deadline = Date.now() + (q.wait ?? 0) * 1000;
    while (!rows.some((r) => r.position !== null) && Date.now() < deadline) {
      await this.nextCommit(deadline);
      rows = await read();
    }
    const pruned = Number(rows[0]?.pruned ?? 0);
    if (q.after !== undefined && q.after !== '' && after < pruned) {
      // Events this consumer could see after its cursor were deleted by retention: reading on would
      // skip them silently.
      throw new ProblemException(
        'validation_failed',
        `The feed no longer holds the events after position ${after}: events older than the retention window were pruned up to position ${pruned}. ` +
          'Start again without after (from the oldest event the feed still holds) and reconcile what was missed.',
        { errors: [{ field: 'after', message: 'is older than the events the feed retains' }] },
      );
    }
    const found = rows.filter((r): r is FeedRow & { position: string; envelope: CloudEventEnvelope } => r.position !== null);
    const items = found.slice(0, limit);
    const last = items.length ? Number(items[items.length - 1].position) : after;
    const nextCursor = found.length > limit ? FEED_KEYSET.encode({ p: last }) : null;
    const head = Number(rows[0]?.head ?? 0);
    return { items: items.map((r) => r.envelope), nextCursor, resumeAfter: nextCursor ?? FEED_KEYSET.encode({ p: Math.max(after, last, head) }) };
  }

  /** Resolves when the relay has committed new positions (a hint in this process, or a NOTIFY a worker session received), after the poll interval, or at the deadline. */
  private nextCommit(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, Math.min(FEED_WAIT_POLL_MS, deadline - Date.now())));
      const off = this.wakeup.on(DELIVERY_CHANNEL, done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
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
