import { EnvironmentType } from '../../domain/environment-name.value-object';
import { PlacementProps } from '../../domain/placement.value-object';
import { OperationKind } from '../../domain/provisioning-policy';

/** Everything a provisioner needs to build or tear down one environment. */
export interface ProvisionerOperation {
  operationId: string;
  kind: OperationKind;
  /** Attempt within the round (1, 2, …) and the provisioning round (1, then +1 per retry). */
  attempt: number;
  round: number;
  environment: {
    id: string;
    tenantId: string;
    projectId: string;
    name: string;
    type: EnvironmentType;
    region: string;
    labels: Record<string, string>;
    placement: PlacementProps;
  };
}

/**
 * Port to whatever builds real infrastructure. `start` only *starts* an operation and returns; the
 * outcome arrives later, asynchronously, through `CompleteOperationCommand` (the same command for every
 * adapter: the simulated one schedules it as a delayed job, the HTTP one receives it on the signed
 * executor callback). `start` throws when the operation could not be handed over; the caller retries.
 * Adapters must tolerate a second `start` of the same operation id (a retried job), and outcomes are
 * accepted only for the operation in flight, so a duplicate completes nothing twice.
 */
export abstract class Provisioner {
  abstract readonly kind: 'simulated' | 'http';
  abstract start(operation: ProvisionerOperation): Promise<void>;
}
