import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Audited, Authorize } from '@rcp/auth';
import { ApiProblems, Keyset, Page, PageOf, PageQuery, ProblemException } from '@rcp/http';
import { TransactionManager, UnitOfWork, rowsOf } from '@rcp/persistence';
import { RelayWakeup } from './relay-wakeup';

const STATES = ['pending', 'failed', 'dead_letter'] as const;
/** Oldest first by delivery id. */
const DELIVERIES_KEYSET = new Keyset({ id: 'position' });

export class DeliveryResponse {
  @ApiProperty({ type: 'integer', format: 'int64', example: 1042, description: 'Position of the delivery; larger is later' }) id: number;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ example: 'rcp.tenancy.tenant-offboarded.v1' }) eventType: string;
  @ApiProperty({ example: 'DecommissionEnvironmentsOnTenantOffboardedHandler' }) handler: string;
  @ApiProperty({ enum: STATES }) state: string;
  @ApiProperty({ type: 'integer', example: 1 }) attempts: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) nextAttemptAt: string;
  @ApiProperty({
    description:
      'Waiting behind an earlier delivery of the same aggregate to the same handler (failing or dead-lettered): ' +
      'a handler sees an aggregate\'s events in order, so this one runs once that one is done, replayed or skipped',
  })
  held: boolean;
}

export class DeliveryPage extends PageOf(DeliveryResponse) {}

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATES })
  @IsOptional()
  @IsIn(STATES)
  state?: (typeof STATES)[number];
}

interface Row {
  id: string;
  event_id: string;
  type: string;
  handler: string;
  state: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  head: boolean;
}

const COLUMNS = `d.id, d.event_id, e.type, d.handler, d.state, d.attempts, d.last_error, d.next_attempt_at, d.head`;

const toDelivery = (r: Row): DeliveryResponse => ({
  id: Number(r.id),
  eventId: r.event_id,
  eventType: r.type,
  handler: r.handler,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at.toISOString(),
  held: !r.head,
});

/** Operators' view of in-process event handling: what is pending, failing or dead-lettered, and replay. */
@ApiTags('Operations')
@Controller('v1/event-deliveries')
export class DeliveriesController {
  constructor(
    private readonly tx: TransactionManager,
    private readonly uow: UnitOfWork,
    private readonly wakeup: RelayWakeup,
  ) {}

  @Get()
  @Authorize(['platform:admin', 'platform:viewer'])
  @ApiOperation({ summary: 'List handler deliveries not yet done', description: 'Pending, failing (with their last error) and dead-lettered deliveries of events to handlers.' })
  @ApiOkResponse({ type: DeliveryPage, description: 'One page of deliveries' })
  @ApiProblems('validation_failed', 'forbidden')
  async list(@Query() q: ListDeliveriesQuery): Promise<Page<DeliveryResponse>> {
    const { limit, after } = DELIVERIES_KEYSET.read(q);
    const rows: Row[] = await this.tx.read((m) =>
      m.query(
        `SELECT ${COLUMNS}
         FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id
         WHERE ($1::text IS NULL OR d.state = $1) AND d.id > $2
         ORDER BY d.id LIMIT $3`,
        [q.state ?? null, after?.id ?? 0, limit + 1],
      ),
    );
    return DELIVERIES_KEYSET.page(rows, limit, toDelivery, (r) => ({ id: Number(r.id) }));
  }

  @Post(':id/replay')
  @HttpCode(200)
  @Authorize(['platform:admin'])
  @Audited('event-delivery.replay', 'event-delivery')
  @ApiOperation({
    summary: 'Replay a dead-lettered delivery',
    description:
      'Resets attempts and schedules it now; the inbox still guarantees a single effect. The deliveries held behind it ' +
      '(same handler and aggregate) follow it in order once it is done.',
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', format: 'int64' }, description: 'The delivery id (an integer: anything else is 400)' })
  @ApiOkResponse({ type: DeliveryResponse, description: 'The delivery, due again at once' })
  @ApiProblems('validation_failed', 'not_found', 'invalid_state_transition', 'forbidden')
  async replay(@Param('id', ParseIntPipe) id: number): Promise<DeliveryResponse> {
    const row = await this.uow.execute({ action: 'event-delivery.replay', targetType: 'event-delivery', targetId: String(id) }, async () => {
      const m = this.tx.manager();
      const found: Row[] = await m.query(`SELECT state FROM platform.event_deliveries WHERE id = $1 FOR UPDATE`, [id]);
      if (!found[0]) throw new ProblemException('not_found', `Delivery ${id} was not found`);
      if (found[0].state !== 'dead_letter') throw new ProblemException('invalid_state_transition', `Delivery ${id} is ${found[0].state}, not dead_letter`);
      await m.query(
        `UPDATE platform.event_deliveries SET state = 'pending', attempts = 0, next_attempt_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`,
        [id],
      );
      const rows = rowsOf<Row>(
        await m.query(
          `SELECT ${COLUMNS} FROM platform.event_deliveries d JOIN platform.event_log e ON e.id = d.event_id WHERE d.id = $1`,
          [id],
        ),
      );
      return rows[0];
    });
    this.wakeup.deliveriesChanged();
    return toDelivery(row);
  }

  @Post(':id/skip')
  @HttpCode(204)
  @Authorize(['platform:admin'])
  @Audited('event-delivery.skip', 'event-delivery')
  @ApiOperation({
    summary: 'Skip a dead-lettered delivery',
    description:
      'Gives up on a dead-lettered delivery for good: the handler never sees that event. The deliveries held behind it ' +
      '(same handler and aggregate) are released, in order. Use replay instead when the handler can be fixed.',
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', format: 'int64' }, description: 'The delivery id (an integer: anything else is 400)' })
  @ApiNoContentResponse({ description: 'Skipped; the next delivery of its queue is due' })
  @ApiProblems('validation_failed', 'not_found', 'invalid_state_transition', 'forbidden')
  async skip(@Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.uow.execute({ action: 'event-delivery.skip', targetType: 'event-delivery', targetId: String(id) }, async () => {
      const m = this.tx.manager();
      const found: Row[] = await m.query(`SELECT state FROM platform.event_deliveries WHERE id = $1 FOR UPDATE`, [id]);
      if (!found[0]) throw new ProblemException('not_found', `Delivery ${id} was not found`);
      if (found[0].state !== 'dead_letter') throw new ProblemException('invalid_state_transition', `Delivery ${id} is ${found[0].state}, not dead_letter`);
      await m.query(`SELECT platform.remove_deliveries(ARRAY[$1::bigint])`, [id]);
    });
    this.wakeup.deliveriesChanged();
  }
}
