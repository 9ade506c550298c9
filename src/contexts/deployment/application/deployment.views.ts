import { Serialized, serialized } from '@rcp/ddd';
import { DeploymentSnapshot, RuntimeDeployment } from '../domain/runtime-deployment.aggregate';

/** A deployment as the API shows it: its release, plan, position, and timeline with every gate evaluation. */
export type DeploymentView = Serialized<Omit<DeploymentSnapshot, 'operation' | 'readings' | 'stepStartedAt'>> & {
  revision: number;
  weight: number;
  version: number;
  /** The job handing the current step to the executor, when one was just queued. */
  jobId?: string;
};

export function deploymentView(d: RuntimeDeployment, version = d.version, jobId?: string): DeploymentView {
  const { operation: _op, readings: _r, stepStartedAt: _s, ...rest } = d.snapshot();
  const weight = rest.plan[rest.currentStep]?.weight ?? 0;
  return { ...serialized(rest), revision: rest.release.revision, weight, version, ...(jobId ? { jobId } : {}) };
}
