import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { RemediationPolicyProps } from '../../../domain/remediation-policy';
import { RemediationPolicyView } from '../../drift.views';

/** Sets how drift in an environment is remediated: manual or auto, the actions allowed, the windows, the reconcile interval. */
@AuditedCommand<SetRemediationPolicyCommand, RemediationPolicyView>({
  action: 'remediation-policy.set',
  targetType: 'environment',
  targetId: (c) => c.environmentId,
  details: (c) => ({ mode: c.policy.mode, allow: c.policy.allow, windows: c.policy.windows?.length ?? 0, reconcileIntervalSeconds: c.policy.reconcileIntervalSeconds }),
})
export class SetRemediationPolicyCommand extends Command<RemediationPolicyView> {
  constructor(
    readonly environmentId: string,
    readonly policy: RemediationPolicyProps,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
