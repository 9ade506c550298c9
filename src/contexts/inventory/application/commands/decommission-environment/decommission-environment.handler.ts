import { CommandHandler } from '@nestjs/cqrs';
import { AuditNote, unchanged, Unchanged } from '@rcp/persistence';
import { DecommissionResult, RuntimeEnvironment } from '../../../domain/runtime-environment.aggregate';
import { EnvironmentChangeHandler, environmentTarget } from '../../environment-change';
import { EnvironmentJobView, environmentView } from '../../environment.view';
import { DecommissionEnvironmentCommand } from './decommission-environment.command';

type Answer = EnvironmentJobView & { outcome: DecommissionResult };

/**
 * Starts decommissioning (the job that follows it is the answer's `jobId`), defers it until
 * provisioning settles, or, for an environment that never reached infrastructure, ends it at once
 * (and with it the provisioning job that never started). One already going away is left unchanged.
 * The audit row belongs to the environment's tenant, also when a platform admin or the system asked.
 */
@CommandHandler(DecommissionEnvironmentCommand)
export class DecommissionEnvironmentHandler extends EnvironmentChangeHandler<DecommissionEnvironmentCommand, DecommissionResult, Answer> {
  protected target({ input }: DecommissionEnvironmentCommand) {
    return environmentTarget(input.environmentId, input.scope, input.expectedVersion);
  }

  protected apply(env: RuntimeEnvironment, { input }: DecommissionEnvironmentCommand, note: AuditNote): DecommissionResult | Unchanged<DecommissionResult> {
    note.tenantId = env.tenantId;
    const outcome = env.decommission(input.reason, this.clock.now(), { whenSettled: input.whenSettled });
    return outcome === 'unchanged' ? unchanged(outcome) : outcome;
  }

  protected async answer(env: RuntimeEnvironment, { input }: DecommissionEnvironmentCommand, outcome: DecommissionResult): Promise<Answer> {
    if (outcome === 'decommissioned') {
      await this.scheduler.endRound(env, 'provision', { succeeded: false, reason: `The environment was decommissioned before provisioning started: ${input.reason}` });
    }
    const jobId = outcome === 'started' ? await this.scheduler.decommission(env) : null;
    return { environment: environmentView(env.snapshot()), jobId, outcome };
  }
}
