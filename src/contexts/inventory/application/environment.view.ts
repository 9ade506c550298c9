import { EnvironmentType } from '../domain/environment-name.value-object';
import { PlacementProps } from '../domain/placement.value-object';
import { OperationKind } from '../domain/provisioning-policy';
import { EnvironmentSnapshot, EnvironmentState } from '../domain/runtime-environment.aggregate';

/** What the inventory use cases answer with: an environment as its readers see it. */
export interface EnvironmentView {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  type: EnvironmentType;
  region: string;
  labels: Record<string, string>;
  placement: PlacementProps;
  state: EnvironmentState;
  failureReason: string | null;
  /** The provisioner operation in flight, if any. */
  operation: { id: string; kind: OperationKind; attempt: number; startedAt: string } | null;
  /** Provisioning round (1, then +1 per retry) and attempts made in the current round. */
  round: number;
  attempts: number;
  /** Why the last attempt failed while another one is pending. */
  lastError: string | null;
  decommissionPending: boolean;
  decommissionReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  readyAt: string | null;
  decommissionedAt: string | null;
}

export function environmentView(s: EnvironmentSnapshot): EnvironmentView {
  return {
    id: s.id,
    tenantId: s.tenantId,
    projectId: s.projectId,
    name: s.name,
    type: s.type,
    region: s.region,
    labels: s.labels,
    placement: s.placement,
    state: s.state,
    failureReason: s.failureReason,
    operation: s.operation ? { id: s.operation.id, kind: s.operation.kind, attempt: s.operation.attempt, startedAt: s.operation.startedAt.toISOString() } : null,
    round: s.round,
    attempts: s.attempts,
    lastError: s.lastError,
    decommissionPending: s.decommissionPending,
    decommissionReason: s.decommissionReason,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    readyAt: s.readyAt?.toISOString() ?? null,
    decommissionedAt: s.decommissionedAt?.toISOString() ?? null,
  };
}

/** The body of a 202: the environment now, with the `jobId` of the job that moves it on. */
export type EnvironmentAcceptedView = EnvironmentView & { jobId: string | null };

/** The answer of a long-running request (202): the environment now, and the job that moves it on. */
export interface EnvironmentJobView {
  environment: EnvironmentView;
  jobId: string | null;
}
