import { Column, Entity, PrimaryColumn } from 'typeorm';
import { SubscriptionState, WebhookSubscriptionSnapshot } from '../domain/webhook-subscription.aggregate';

/** Row of `webhooks.subscriptions`: the snapshot's fields (the secrets sealed). */
@Entity({ schema: 'webhooks', name: 'subscriptions' })
export class WebhookSubscriptionOrmEntity implements WebhookSubscriptionSnapshot {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'project_ids', type: 'text', array: true, nullable: true }) projectIds: string[] | null;
  @Column({ type: 'text' }) url: string;
  @Column({ name: 'event_types', type: 'text', array: true }) eventTypes: string[];
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'text' }) state: SubscriptionState;
  @Column({ name: 'disabled_reason', type: 'text', nullable: true }) disabledReason: string | null;
  @Column({ name: 'sealed_secret', type: 'text' }) sealedSecret: string;
  @Column({ name: 'previous_sealed_secret', type: 'text', nullable: true }) previousSealedSecret: string | null;
  @Column({ name: 'previous_secret_until', type: 'timestamptz', nullable: true }) previousSecretUntil: Date | null;
  @Column({ name: 'dead_letter_streak', type: 'integer' }) deadLetterStreak: number;
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'integer' }) version: number;
}
