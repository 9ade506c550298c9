import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authorize, CurrentActor, Mutation, TENANT_READERS } from '@rcp/auth';
import { AccessScope } from '@rcp/ddd';
import { ApiProblems, IfMatchVersion, Page, PageQuery, SecretInResponse, UuidParam } from '@rcp/http';
import { Actor } from '@rcp/observability';
import { CreateWebhookSubscriptionCommand } from '../../application/commands/create-webhook-subscription/create-webhook-subscription.command';
import { DeleteWebhookSubscriptionCommand } from '../../application/commands/delete-webhook-subscription/delete-webhook-subscription.command';
import { RetryWebhookDeliveryCommand } from '../../application/commands/retry-webhook-delivery/retry-webhook-delivery.command';
import { RotateWebhookSecretCommand } from '../../application/commands/rotate-webhook-secret/rotate-webhook-secret.command';
import { GetWebhookDeliveryQuery } from '../../application/queries/get-webhook-delivery/get-webhook-delivery.query';
import { GetWebhookSubscriptionQuery } from '../../application/queries/get-webhook-subscription/get-webhook-subscription.query';
import { DELIVERIES_KEYSET, ListWebhookDeliveriesQuery } from '../../application/queries/list-webhook-deliveries/list-webhook-deliveries.query';
import { ListWebhookSubscriptionsQuery, SUBSCRIPTIONS_KEYSET } from '../../application/queries/list-webhook-subscriptions/list-webhook-subscriptions.query';
import { WebhookDeliveryView, WebhookSubscriptionView } from '../../application/webhooks.views';
import { CreateWebhookSubscriptionRequest, RotateWebhookSecretRequest } from './webhooks.request';
import { WebhookDeliveryPageResponse, WebhookDeliveryResponse, WebhookSubscriptionPageResponse, WebhookSubscriptionResponse } from './webhooks.response';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'Webhook subscription id' };
const DELIVERY_PARAM = { name: 'deliveryId', format: 'uuid', description: 'Delivery id' };
const scopeOf = (actor: Actor): AccessScope => ({ projectIds: actor.projectIds });

/**
 * Webhooks: a tenant's receivers of its events, delivered at least once as CloudEvents 1.0 (structured
 * JSON) signed as Standard Webhooks specifies, with retries, a delivery log and manual retry. Another
 * tenant's subscription is a 404.
 */
@ApiTags('Events')
@Controller('v1/webhook-subscriptions')
export class WebhooksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @SecretInResponse('secret')
  @Mutation({
    roles: ['tenant:admin'],
    command: CreateWebhookSubscriptionCommand,
    status: 201,
    response: { type: WebhookSubscriptionResponse, description: 'The subscription with its signing secret, shown this once' },
    location: '/v1/webhook-subscriptions/:id',
    problems: ['validation_failed', 'forbidden', 'tenant_suspended', 'tenant_offboarded', 'precondition_failed', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Subscribe a webhook receiver',
    description:
      'Every event of the tenant whose type is in `eventTypes` (exact, or a prefix `rcp.deployment.*`) is POSTed to `url` as a CloudEvents 1.0 structured JSON ' +
      'body, signed per Standard Webhooks (`webhook-id` = the event id, `webhook-timestamp`, `webhook-signature: v1,<HMAC-SHA256>` with the `whsec_` secret ' +
      'answered here once). A 2xx within WEBHOOK_TIMEOUT_MS (10 s) delivers it; otherwise it is retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h ' +
      '(WEBHOOK_RETRY_SCHEDULE, with jitter), then dead-lettered; a receiver whose deliveries keep being dead-lettered is disabled (an event says so). ' +
      'Redirects are not followed. `url` must be https and resolve to public addresses (400 otherwise). A token limited to projects subscribes to those ' +
      'projects\' events only. Tenant admins.',
  })
  create(@Body() body: CreateWebhookSubscriptionRequest, @CurrentActor() actor: Actor): Promise<WebhookSubscriptionView> {
    return this.commands.execute(new CreateWebhookSubscriptionCommand(actor.tenantId!, body.url, body.eventTypes, body.description ?? null, actor.sub, scopeOf(actor)));
  }

  @Get()
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List webhook subscriptions', description: 'In creation order (deleted ones are not listed). Never a secret.' })
  @ApiOkResponse({ type: WebhookSubscriptionPageResponse, description: 'One page of subscriptions' })
  @ApiProblems('validation_failed', 'forbidden', 'tenant_offboarded')
  list(@Query() q: PageQuery, @CurrentActor() actor: Actor): Promise<Page<WebhookSubscriptionView>> {
    const { limit, after } = SUBSCRIPTIONS_KEYSET.read(q);
    return this.queries.execute(new ListWebhookSubscriptionsQuery(limit, after, scopeOf(actor)));
  }

  @Get(':id')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a webhook subscription', description: 'Never its secret.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: WebhookSubscriptionResponse, description: 'The subscription; ETag carries its version' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  get(@Param('id', UuidParam) id: string, @CurrentActor() actor: Actor): Promise<WebhookSubscriptionView> {
    return this.queries.execute(new GetWebhookSubscriptionQuery(id, scopeOf(actor)));
  }

  @Delete(':id')
  @Mutation({
    roles: ['tenant:admin'],
    command: DeleteWebhookSubscriptionCommand,
    status: 200,
    param: ID_PARAM,
    ifMatch: true,
    response: { type: WebhookSubscriptionResponse, description: 'The subscription, deleted: its waiting deliveries are dead-lettered, nothing more is sent' },
    problems: ['forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({ summary: 'Delete a webhook subscription', description: 'Tenant admins.' })
  remove(@Param('id', UuidParam) id: string, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor): Promise<WebhookSubscriptionView> {
    return this.commands.execute(new DeleteWebhookSubscriptionCommand(id, actor.sub, v, scopeOf(actor)));
  }

  @Post(':id/rotate-secret')
  @SecretInResponse('secret')
  @Mutation({
    roles: ['tenant:admin'],
    command: RotateWebhookSecretCommand,
    status: 200,
    param: ID_PARAM,
    ifMatch: true,
    response: { type: WebhookSubscriptionResponse, description: 'The subscription with its new secret, shown this once' },
    problems: ['validation_failed', 'forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'invalid_state_transition', 'version_conflict', 'concurrent_modification', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description: 'A new `whsec_` secret signs from now on; the old one keeps signing for `overlapSeconds` (default a day), so each delivery carries both signatures until the receiver has switched. Tenant admins.',
  })
  rotate(@Param('id', UuidParam) id: string, @Body() body: RotateWebhookSecretRequest, @IfMatchVersion() v: number | undefined, @CurrentActor() actor: Actor): Promise<WebhookSubscriptionView> {
    return this.commands.execute(new RotateWebhookSecretCommand(id, body.overlapSeconds ?? 86_400, actor.sub, v, scopeOf(actor)));
  }

  @Get(':id/deliveries')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'List a subscription\'s deliveries', description: 'The delivery log, oldest first: state, attempts, last status code, latency and error, next attempt.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: WebhookDeliveryPageResponse, description: 'One page of deliveries' })
  @ApiProblems('validation_failed', 'not_found', 'forbidden', 'tenant_offboarded')
  deliveries(@Param('id', UuidParam) id: string, @Query() q: PageQuery, @CurrentActor() actor: Actor): Promise<Page<WebhookDeliveryView>> {
    const { limit, after } = DELIVERIES_KEYSET.read(q);
    return this.queries.execute(new ListWebhookDeliveriesQuery(id, limit, after, scopeOf(actor)));
  }

  @Get(':id/deliveries/:deliveryId')
  @Authorize(TENANT_READERS)
  @ApiOperation({ summary: 'Get a delivery', description: 'With every attempt: when, status code, latency, error.' })
  @ApiParam(ID_PARAM)
  @ApiParam(DELIVERY_PARAM)
  @ApiOkResponse({ type: WebhookDeliveryResponse, description: 'The delivery and its attempts' })
  @ApiProblems('not_found', 'forbidden', 'tenant_offboarded')
  delivery(@Param('id', UuidParam) id: string, @Param('deliveryId', UuidParam) deliveryId: string, @CurrentActor() actor: Actor): Promise<WebhookDeliveryView> {
    return this.queries.execute(new GetWebhookDeliveryQuery(id, deliveryId, scopeOf(actor)));
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @Mutation({
    roles: ['tenant:admin', 'tenant:deployer'],
    command: RetryWebhookDeliveryCommand,
    status: 202,
    param: DELIVERY_PARAM,
    response: { type: WebhookDeliveryResponse, description: 'The delivery, due again now, its retry schedule started over' },
    problems: ['forbidden', 'not_found', 'tenant_suspended', 'tenant_offboarded', 'invalid_state_transition', 'idempotency_key_reused', 'idempotency_in_progress'],
  })
  @ApiOperation({ summary: 'Send a dead-lettered delivery again', description: 'Only a dead-lettered delivery of an active subscription (409 otherwise).' })
  @ApiParam(ID_PARAM)
  retry(@Param('id', UuidParam) id: string, @Param('deliveryId', UuidParam) deliveryId: string, @CurrentActor() actor: Actor): Promise<WebhookDeliveryView> {
    return this.commands.execute(new RetryWebhookDeliveryCommand(id, deliveryId, scopeOf(actor)));
  }
}
