import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { DecommissionResult } from '../../../domain/runtime-environment.aggregate';
import { AccessScope } from '../../access-scope';
import { EnvironmentJobView } from '../../environment.view';

export interface DecommissionEnvironmentInput {
  environmentId: string;
  reason: string;
  expectedVersion?: number;
  scope?: AccessScope;
  /**
   * Asked for by the system (e.g. the tenant was offboarded): an environment still provisioning is
   * decommissioned as soon as provisioning settles instead of being refused.
   */
  whenSettled?: boolean;
}

/** Tears an environment down: `decommissioning` now, `decommissioned` once the provisioner is done. */
@AuditedCommand<DecommissionEnvironmentCommand>({
  action: 'environment.decommission',
  targetType: 'environment',
  targetId: (c) => c.input.environmentId,
  details: ({ input }) => ({ reason: input.reason, whenSettled: !!input.whenSettled }),
})
export class DecommissionEnvironmentCommand extends Command<EnvironmentJobView & { outcome: DecommissionResult }> {
  constructor(readonly input: DecommissionEnvironmentInput) {
    super();
  }
}
