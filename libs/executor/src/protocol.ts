/**
 * The executor protocol's messages, as `docs/executor-protocol.md` documents them: what the control
 * plane asks of a data plane and what it hears back. Every context's `http` adapter speaks its part of
 * it, and the simulated executor (`npm run executor:sim`, libs/simulator) serves all of it.
 */

/** Operations, each POSTed to `${EXECUTOR_URL}/operations` and answered later on its callback URL. */
export type ExecutorOperationKind = 'provision' | 'decommission' | 'apply-revision' | 'scale' | 'remove';
export const EXECUTOR_OPERATION_KINDS: readonly ExecutorOperationKind[] = ['provision', 'decommission', 'apply-revision', 'scale', 'remove'];

/** The environment an operation builds, tears down or runs workloads in. */
export interface ExecutorEnvironment {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  type: string;
  region: string;
  labels: Record<string, string>;
  placement: Record<string, unknown>;
}

/** What every operation carries. */
interface OperationBase {
  operationId: string;
  /** Attempt of this step (1, 2, …): each attempt has an operation id of its own. */
  attempt: number;
  /** Where the executor reports the outcome: `${PUBLIC_BASE_URL}/v1/executor-callbacks/{operationId}`. */
  callbackUrl: string;
}

/** Build an environment (`provision`) or tear it down (`decommission`). */
export interface EnvironmentOperation extends OperationBase {
  kind: 'provision' | 'decommission';
  /** Provisioning round (1, then +1 per retry of a failed environment). */
  round: number;
  environment: ExecutorEnvironment;
}

/** A secret a revision mounts, by reference only: the executor resolves it in its vault, never the control plane. */
export interface SecretReference {
  /** The name the workload sees (an environment variable or file). */
  name: string;
  /** Where the vault keeps it, e.g. `vault://kv/acme/web/db-password#v3`. */
  ref: string;
}

/** The desired state of one revision of a service: declarative, so applying it again changes nothing. */
export interface RevisionSpec {
  /** The revision's id, unique within the service (the deployment names it). */
  revision: string;
  image: string;
  configChecksum: string | null;
  secretRefs: SecretReference[];
  replicas: number;
  /** Share of the service's traffic, 0–100; the weights of a service's revisions add up to 100. */
  trafficWeight: number;
}

/** Run (or change) a revision of a service: succeeds when all its replicas are ready, fails past the progress deadline. */
export interface ApplyRevisionOperation extends OperationBase {
  kind: 'apply-revision';
  environmentId: string;
  service: string;
  spec: RevisionSpec;
}

/** Change the replicas of a revision (of the service's only revision when `revision` is absent). */
export interface ScaleOperation extends OperationBase {
  kind: 'scale';
  environmentId: string;
  service: string;
  revision?: string;
  replicas: number;
}

/** Remove a revision of a service, or the whole service when `revision` is absent. */
export interface RemoveOperation extends OperationBase {
  kind: 'remove';
  environmentId: string;
  service: string;
  revision?: string;
}

export type ExecutorOperation = EnvironmentOperation | ApplyRevisionOperation | ScaleOperation | RemoveOperation;

/** Whether an operation builds or tears down an environment (rather than changing what runs in one). */
export const isEnvironmentOperation = (op: ExecutorOperation): op is EnvironmentOperation => op.kind === 'provision' || op.kind === 'decommission';

/** The environment an operation concerns. */
export const environmentIdOf = (op: ExecutorOperation): string => (isEnvironmentOperation(op) ? op.environment.id : op.environmentId);

/** The body of a callback: executor → control plane. */
export interface ExecutorCallback {
  /** Unique per callback (1–128 of `A-Za-z0-9._:-`); a retried delivery of the same callback keeps it. */
  callbackId: string;
  status: 'succeeded' | 'failed' | 'running';
  /** Required with `failed`: phrased for a person (the control plane sanitizes and cuts it). */
  reason?: string;
}

/** One revision as it runs, in the actual state. */
export interface ActualRevision {
  revision: string;
  image: string;
  configChecksum: string | null;
  replicas: number;
  readyReplicas: number;
  trafficWeight: number;
  /** Its health checks pass (false for a revision whose checks fail, or with no ready replica). */
  healthy: boolean;
}

/** One service as it runs; the service-level fields are those of its primary revision (the largest traffic weight). */
export interface ActualService {
  name: string;
  image: string;
  configChecksum: string | null;
  /** All its revisions' replicas, and the ready ones among them. */
  replicas: number;
  readyReplicas: number;
  revisions: ActualRevision[];
}

/** `GET ${EXECUTOR_URL}/environments/{id}/state`: what runs in an environment now. */
export interface ActualState {
  environmentId: string;
  /** `present` while the environment exists; `absent` when the executor has none of that id. */
  environment: 'present' | 'absent';
  observedAt: string;
  services: ActualService[];
}

/** Request metrics of one revision over the last window. */
export interface RevisionMetrics {
  service: string;
  revision: string;
  requestsPerSecond: number;
  /** Failed requests / requests, 0–1. */
  errorRate: number;
  p95LatencyMs: number;
  /** Mean CPU use of its ready replicas, 0–100 %. */
  cpuPercent: number;
  readyReplicas: number;
}

/** `GET ${EXECUTOR_URL}/environments/{id}/metrics`. */
export interface EnvironmentMetrics {
  environmentId: string;
  observedAt: string;
  revisions: RevisionMetrics[];
}
