import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import {
  DeploymentAbortedV1,
  DeploymentCreatedV1,
  DeploymentFailedV1,
  DeploymentRollbackStartedV1,
  DeploymentRolledBackV1,
  DeploymentSucceededV1,
} from '../../../deployment/contracts';
import { RecordRemediationOutcomeCommand, RemediationOutcome } from '../commands/record-remediation-outcome/record-remediation-outcome.command';

type Tracked = DeploymentCreatedV1 | DeploymentSucceededV1 | DeploymentRollbackStartedV1 | DeploymentRolledBackV1 | DeploymentFailedV1 | DeploymentAbortedV1;

/**
 * Follows corrective deployments (reason drift-remediation, `cause.findingId`) through deployment's
 * events, in their order (one deployment's events reach a handler in the order they were committed),
 * and moves the finding each serves. Other deployments' events change nothing here.
 */
@EventsHandler(DeploymentCreatedV1, DeploymentSucceededV1, DeploymentRollbackStartedV1, DeploymentRolledBackV1, DeploymentFailedV1, DeploymentAbortedV1)
export class TrackRemediationOnDeploymentEventsHandler implements IEventHandler<Tracked> {
  constructor(private readonly commands: CommandBus) {}

  async handle(e: Tracked): Promise<void> {
    const outcome = outcomeOf(e);
    if (outcome) await this.commands.execute(new RecordRemediationOutcomeCommand(e.data.deploymentId, outcome));
  }
}

function outcomeOf(e: Tracked): RemediationOutcome | null {
  if (e instanceof DeploymentCreatedV1) return e.data.reason === 'drift-remediation' && e.data.cause ? { kind: 'started', findingId: e.data.cause.findingId } : null;
  if (e instanceof DeploymentSucceededV1) return { kind: 'succeeded' };
  if (e instanceof DeploymentRollbackStartedV1) return e.data.evaluation ? { kind: 'gate-rollback', revision: e.data.revision, reason: e.data.reason } : null;
  if (e instanceof DeploymentRolledBackV1) return { kind: 'rolled_back', reason: e.data.reason };
  if (e instanceof DeploymentFailedV1) return { kind: 'failed', reason: e.data.reason };
  return { kind: 'aborted', reason: (e as DeploymentAbortedV1).data.reason };
}
