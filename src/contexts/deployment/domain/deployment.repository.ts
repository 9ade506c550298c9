import { HealthGate } from './health-gate';
import { DeploymentState, Release, RuntimeDeployment } from './runtime-deployment.aggregate';

export interface DeploymentFilter {
  environmentId?: string;
  service?: string;
  state?: DeploymentState;
  /** A project-scoped caller sees these projects only. */
  projectIds?: string[];
}

/** Deployments, in the caller's transaction and tenant (row-level security). */
export abstract class DeploymentRepository {
  abstract findById(id: string): Promise<RuntimeDeployment | null>;
  /** Saves with the version check, appending its events to the outbox; a second unfinished deployment of the service is `precondition_failed`. */
  abstract save(deployment: RuntimeDeployment): Promise<void>;
  /** The deployment awaiting this executor operation, if any (any tenant: the executor knows only the operation). */
  abstract findByOperation(operationId: string): Promise<RuntimeDeployment | null>;
  /** The unfinished deployment of the service, if any. */
  abstract activeOf(environmentId: string, service: string): Promise<RuntimeDeployment | null>;
  /** The release of the service's last succeeded deployment: where the next one rolls back to. */
  abstract lastSucceeded(environmentId: string, service: string): Promise<Release | null>;
  /** The release of a revision of the service that succeeded, if it did. */
  abstract succeededRelease(environmentId: string, service: string, revision: number): Promise<Release | null>;
  /** The health gate of the service's newest deployment (a corrective deployment is judged as the service's last one was). */
  abstract lastHealthGate(environmentId: string, service: string): Promise<HealthGate | null>;
  /** The highest revision the service has had (succeeded or not), so revisions are never reused. */
  abstract lastRevision(environmentId: string, service: string): Promise<number>;
  /** A page in creation order after the cursor. */
  abstract page(filter: DeploymentFilter, limit: number, after?: { t: string; id: string }): Promise<RuntimeDeployment[]>;
}
