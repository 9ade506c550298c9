/** One revision of a service as the executor protocol describes it (libs/executor `RevisionSpec`). */
export interface WorkloadRevision {
  revision: string;
  image: string;
  configChecksum: string | null;
  /** The secret bindings the revision needs, by name and reference (never a value). */
  secretRefs: Array<{ name: string; ref: string }>;
  replicas: number;
  trafficWeight: number;
}

/** What the executor is asked to do: run (or change) a revision, or remove one. */
export type WorkloadOperation =
  | { operationId: string; environmentId: string; service: string; kind: 'apply'; spec: WorkloadRevision }
  | { operationId: string; environmentId: string; service: string; kind: 'remove'; revision: string };

/** Request metrics of one revision over the executor's last window. */
export interface RevisionReading {
  errorRate: number;
  p95LatencyMs: number;
  requestsPerSecond: number;
}

/** The executor could not take the operation; `publicReason` is a fixed phrase fit for a tenant. */
export class WorkloadExecutorUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
  }
}

/**
 * The deployment context's door to the data plane. `submit` hands an operation over (the same operation
 * id twice is taken once); its outcome comes back later as `CompleteDeploymentOperationCommand`
 * (simulated: from the data plane's outcomes; http: on the executor's callback). `readMetrics` reads a
 * revision's request metrics (null when the data plane has none for it).
 */
export abstract class WorkloadExecutor {
  abstract submit(operation: WorkloadOperation): Promise<void>;
  abstract readMetrics(environmentId: string, service: string, revision: string): Promise<RevisionReading | null>;
}

/** The executor's name of a deployment's revision of a service. */
export const revisionName = (service: string, revision: number): string => `${service}-r${revision}`;
