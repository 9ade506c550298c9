import { DeploymentState } from './runtime-deployment.aggregate';

/**
 * What the deployment context knows, from its own read models of other contexts' events, when a
 * deployment is asked for. Nothing here is read from another context's tables.
 */
export interface DeploymentFacts {
  environmentId: string;
  service: string;
  environment: { state: string } | null;
  tenant: { id: string; state: 'active' | 'suspended' | 'offboarded'; maxReplicasPerService: number; maxTotalReplicas: number } | null;
  /** The requested configuration version of the service in the environment, if published. */
  configVersion: { version: number; checksum: string } | null;
  requestedConfigVersion: number;
  /** The environment's live secret bindings. */
  bindings: Array<{ name: string; status: 'resolvable' | 'unresolvable'; reason: string | null }>;
  requestedBindings: string[];
  /** The unfinished deployment of the same service, if any. */
  active: { id: string; revision: number; state: DeploymentState } | null;
  /** Replicas of the service running now (its current revision). */
  serviceReplicas: number;
  /** Replicas the tenant runs now, every service of every environment included. */
  tenantReplicas: number;
  /** The most replicas of the service the rollout runs at once (`peakReplicas` of its plan). */
  peakReplicas: number;
  /** What the strategy needs them for, for the refusal ("a canary beside 4 running"). */
  strategyType: string;
}

/**
 * Every reason a deployment cannot start now, all of them at once (`409 precondition_failed` lists
 * them): the environment must be ready; the tenant active, and within its quotas for the whole rollout
 * (counting the replicas the strategy adds while it runs: surge, canary, second colour), not only at
 * its end; the configuration version published; every secret binding bound and resolvable; and no other
 * deployment of the service unfinished. An empty list: it may start.
 */
export function preconditionFailures(f: DeploymentFacts): string[] {
  const reasons: string[] = [];
  if (!f.environment) reasons.push(`environment ${f.environmentId} is not known to the deployment context yet`);
  else if (f.environment.state !== 'ready') reasons.push(`environment ${f.environmentId} is ${f.environment.state}, not ready`);
  if (!f.tenant) reasons.push('the tenant is not known to the deployment context yet');
  else {
    if (f.tenant.state !== 'active') reasons.push(`tenant ${f.tenant.id} is ${f.tenant.state}`);
    if (f.peakReplicas > f.tenant.maxReplicasPerService) {
      reasons.push(`the ${f.strategyType} rollout runs up to ${f.peakReplicas} replicas of ${f.service} at once, above the tenant's maxReplicasPerService of ${f.tenant.maxReplicasPerService}`);
    }
    const total = f.tenantReplicas - f.serviceReplicas + f.peakReplicas;
    if (total > f.tenant.maxTotalReplicas) {
      reasons.push(`the ${f.strategyType} rollout takes the tenant to ${total} replicas at its peak, above its maxTotalReplicas of ${f.tenant.maxTotalReplicas}`);
    }
  }
  if (!f.configVersion) reasons.push(`configuration version ${f.requestedConfigVersion} of ${f.service} is not published in environment ${f.environmentId}`);
  const bound = new Map(f.bindings.map((b) => [b.name, b]));
  for (const name of [...new Set(f.requestedBindings)].sort()) {
    const b = bound.get(name);
    if (!b) reasons.push(`secret binding ${name} does not exist in environment ${f.environmentId}`);
    else if (b.status !== 'resolvable') reasons.push(`secret binding ${name} is unresolvable${b.reason ? `: ${b.reason}` : ''}`);
  }
  if (f.active) reasons.push(`deployment ${f.active.id} (revision ${f.active.revision}) of ${f.service} is still ${f.active.state}: one rollout of a service at a time`);
  return reasons;
}
