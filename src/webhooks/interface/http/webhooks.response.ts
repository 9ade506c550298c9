import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageOf } from '@rcp/http';
import { WebhookDeliveryView, WebhookSubscriptionView } from '../../application/webhooks.views';

export class WebhookSubscriptionResponse implements WebhookSubscriptionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty({ type: [String], nullable: true, description: 'Limited to these projects (from the creating token), or null for all the tenant\'s events' }) projectIds: string[] | null;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({ type: 'string', nullable: true }) description: string | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) state: 'active' | 'disabled';
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it was disabled' }) disabledReason: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'The previous secret signs too until then (after a rotation)' }) previousSecretUntil: string | null;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Also the ETag' }) version: number;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'The signing secret (`whsec_…`), in the answer that created or rotated it only; null in an idempotent replay' }) secret?: string | null;
}

export class WebhookSubscriptionPageResponse extends PageOf(WebhookSubscriptionResponse) implements Page<WebhookSubscriptionView> {}

class AttemptResponse {
  @ApiProperty({ type: 'integer', minimum: 1 }) attempt: number;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The receiver\'s status code (null: no answer)' }) status: number | null;
  @ApiProperty({ type: 'integer' }) latencyMs: number;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
}

export class WebhookDeliveryResponse implements WebhookDeliveryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId: string;
  @ApiProperty() tenantId: string;
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header of every attempt' }) eventId: string;
  @ApiProperty() eventType: string;
  @ApiProperty({ enum: ['pending', 'retrying', 'delivered', 'dead_letter'] }) state: 'pending' | 'retrying' | 'delivered' | 'dead_letter';
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) lastStatus: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) lastLatencyMs: number | null;
  @ApiProperty({ type: 'string', nullable: true }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) deliveredAt: string | null;
  @ApiPropertyOptional({ type: [AttemptResponse], description: 'Every attempt (on GET of one delivery)' }) log?: AttemptResponse[];
}

export class WebhookDeliveryPageResponse extends PageOf(WebhookDeliveryResponse) implements Page<WebhookDeliveryView> {}
