import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { ScalingPolicyProps } from '../../../domain/scaling';
import { ScalingPolicyView } from '../../health.views';

/** Sets (creates or replaces) the scaling policy of a service in a ready environment. */
@AuditedCommand<SetScalingPolicyCommand>({ action: 'scaling-policy.set', targetType: 'scaling-policy', targetId: (c) => `${c.environmentId}/${c.service}`, details: (c) => ({ policy: c.policy }) })
export class SetScalingPolicyCommand extends Command<ScalingPolicyView & { created: boolean }> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly policy: ScalingPolicyProps,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
