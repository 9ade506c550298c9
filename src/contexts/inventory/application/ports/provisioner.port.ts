import { OperationKind } from '../../domain/provisioning-policy';
import { EnvironmentSnapshot } from '../../domain/runtime-environment.aggregate';

/** Everything a provisioner needs to build or tear down one environment. */
export interface ProvisionerOperation {
  operationId: string;
  kind: OperationKind;
  /** Attempt within the round (1, 2, …) and the provisioning round (1, then +1 per retry). */
  attempt: number;
  round: number;
  environment: Pick<EnvironmentSnapshot, 'id' | 'tenantId' | 'projectId' | 'name' | 'type' | 'region' | 'labels' | 'placement'>;
}

/**
 * Why a provisioner could not take an operation, in words that may reach a tenant (failure reasons,
 * events, audit rows, job errors): a short phrase from a fixed vocabulary (e.g. `executor timed out`,
 * `executor returned HTTP 502`), never text chosen by the infrastructure or internal addresses. The
 * adapter keeps the raw detail for the operator log.
 */
export class ProvisionerUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
    this.name = 'ProvisionerUnavailableError';
  }
}

/** How one hand-over is sent, beyond the operation itself. */
export interface ProvisionerCall {
  /**
   * The same for every try of one dispatch job (`JobInfo.idempotencyKey`): a try that lost its job's
   * lease and the try that took over send the same key, so the infrastructure can do the work once.
   */
  idempotencyKey?: string;
}

/**
 * Port to whatever builds real infrastructure. `start` only *starts* an operation and returns; the
 * outcome arrives later, asynchronously, through `CompleteOperationCommand` (the same command for every
 * adapter: the simulated one schedules it as a delayed job, the HTTP one receives it on the signed
 * executor callback). `start` throws when the operation could not be handed over (a
 * {@link ProvisionerUnavailableError} when the infrastructure refused or failed); the caller retries.
 * Adapters must tolerate a second `start` of the same operation id (a retried job), and outcomes are
 * accepted only for the operation in flight, so a duplicate completes nothing twice.
 */
export abstract class Provisioner {
  abstract readonly kind: 'simulated' | 'http';
  abstract start(operation: ProvisionerOperation, call?: ProvisionerCall): Promise<void>;
}
