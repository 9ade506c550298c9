import { DomainEvent } from '@rcp/ddd';
import { GateEvaluation } from './health-gate';

interface DeploymentRef {
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  revision: number;
}

export class DeploymentCreated extends DomainEvent<
  DeploymentRef & { image: string; configVersion: number; configChecksum: string; secretBindings: string[]; strategy: string; reason: string; cause: { findingId: string } | null; createdBy: string }
> {
  readonly name = 'DeploymentCreated';
}
export class DeploymentStepStarted extends DomainEvent<DeploymentRef & { step: number; action: string; weight: number }> {
  readonly name = 'DeploymentStepStarted';
}
export class DeploymentPaused extends DomainEvent<DeploymentRef & { step: number; until: string | null }> {
  readonly name = 'DeploymentPaused';
}
export class DeploymentVerifying extends DomainEvent<DeploymentRef & { step: number }> {
  readonly name = 'DeploymentVerifying';
}
export class DeploymentPromoted extends DomainEvent<DeploymentRef & { fromStep: number; by: string }> {
  readonly name = 'DeploymentPromoted';
}
export class DeploymentSucceeded extends DomainEvent<DeploymentRef & { image: string; configVersion: number }> {
  readonly name = 'DeploymentSucceeded';
}
/** The release runs in full: what drift compares the desired state with. */
export class WorkloadDeployed extends DomainEvent<DeploymentRef & { image: string; configVersion: number; configChecksum: string; secretBindings: string[]; replicas: number }> {
  readonly name = 'WorkloadDeployed';
}
export class DeploymentFailed extends DomainEvent<DeploymentRef & { reason: string }> {
  readonly name = 'DeploymentFailed';
}
export class DeploymentRollbackStarted extends DomainEvent<DeploymentRef & { toRevision: number; reason: string; evaluation: GateEvaluation | null }> {
  readonly name = 'DeploymentRollbackStarted';
}
export class DeploymentRolledBack extends DomainEvent<DeploymentRef & { toRevision: number; reason: string }> {
  readonly name = 'DeploymentRolledBack';
}
export class DeploymentAborted extends DomainEvent<DeploymentRef & { by: string; reason: string }> {
  readonly name = 'DeploymentAborted';
}

/** Every domain event a RuntimeDeployment records. */
export type DeploymentEvent =
  | DeploymentCreated
  | DeploymentStepStarted
  | DeploymentPaused
  | DeploymentVerifying
  | DeploymentPromoted
  | DeploymentSucceeded
  | WorkloadDeployed
  | DeploymentFailed
  | DeploymentRollbackStarted
  | DeploymentRolledBack
  | DeploymentAborted;
