/** Names and payloads of the deployment context's background jobs (rows of `platform.jobs`). */
export const DEPLOYMENT_JOBS = {
  /** Hands the operation a rollout awaits to the workload executor (retried while it is unreachable). */
  dispatch: 'deployment.dispatch-operation',
  /** Judges the health gate of a step being verified (again every DEPLOYMENT_GATE_INTERVAL_SECONDS). */
  evaluateGate: 'deployment.evaluate-gate',
  /** Ends a timed pause (a delayed job: a rollout survives a worker restart and goes on where it was). */
  endPause: 'deployment.end-pause',
} as const;

export interface DispatchPayload {
  deploymentId: string;
  operationId: string;
}
export interface StepPayload {
  deploymentId: string;
  step: number;
}
