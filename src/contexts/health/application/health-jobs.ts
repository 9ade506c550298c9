/** Job names of the health context, and their payloads. */
export const HEALTH_JOBS = {
  applyScaling: 'health.apply-scaling',
  pullDataPlane: 'health.pull-data-plane',
  expireStale: 'health.expire-stale',
} as const;

export interface ApplyScalingPayload {
  environmentId: string;
  service: string;
  decisionId: string;
  operationId: string;
  replicas: number;
}

export interface EnvironmentJobPayload {
  environmentId: string;
}
