import { DeploymentFacts, preconditionFailures } from './deployment-preconditions';

const ok: DeploymentFacts = {
  environmentId: 'e-1',
  service: 'checkout',
  environment: { state: 'ready' },
  tenant: { id: 'acme', state: 'active', maxReplicasPerService: 10, maxTotalReplicas: 20 },
  configVersion: { version: 5, checksum: 'c5' },
  requestedConfigVersion: 5,
  bindings: [
    { name: 'DB_PASSWORD', status: 'resolvable', reason: null },
    { name: 'API_KEY', status: 'unresolvable', reason: 'hashicorp-vault is not configured on the control plane' },
  ],
  requestedBindings: ['DB_PASSWORD'],
  active: null,
  serviceReplicas: 4,
  tenantReplicas: 12,
  peakReplicas: 8,
  strategyType: 'canary',
};

describe('deployment preconditions', () => {
  it('lets a deployment start when every precondition holds', () => {
    expect(preconditionFailures(ok)).toEqual([]);
  });

  it('counts the replicas a rollout adds while it runs against both quotas, not only where it ends', () => {
    expect(preconditionFailures({ ...ok, peakReplicas: 11 })).toEqual([
      'the canary rollout runs up to 11 replicas of checkout at once, above the tenant\'s maxReplicasPerService of 10',
    ]);
    // 12 running, of which this service's 4 are replaced by a peak of 8 (4 old + 4 canary): 16 fits in 20, 17 would not.
    expect(preconditionFailures({ ...ok, tenantReplicas: 13, peakReplicas: 8, tenant: { ...ok.tenant!, maxTotalReplicas: 16 } })).toEqual([
      'the canary rollout takes the tenant to 17 replicas at its peak, above its maxTotalReplicas of 16',
    ]);
  });

  it('lists every reason at once', () => {
    expect(
      preconditionFailures({
        ...ok,
        environment: { state: 'provisioning' },
        tenant: { ...ok.tenant!, state: 'suspended' },
        configVersion: null,
        requestedConfigVersion: 9,
        requestedBindings: ['API_KEY', 'MISSING', 'DB_PASSWORD', 'API_KEY'],
        active: { id: 'd-0', revision: 3, state: 'paused' },
      }),
    ).toEqual([
      'environment e-1 is provisioning, not ready',
      'tenant acme is suspended',
      'configuration version 9 of checkout is not published in environment e-1',
      'secret binding API_KEY is unresolvable: hashicorp-vault is not configured on the control plane',
      'secret binding MISSING does not exist in environment e-1',
      'deployment d-0 (revision 3) of checkout is still paused: one rollout of a service at a time',
    ]);
  });

  it('refuses what it has not heard of yet rather than assuming it is fine', () => {
    expect(preconditionFailures({ ...ok, environment: null, tenant: null })).toEqual([
      'environment e-1 is not known to the deployment context yet',
      'the tenant is not known to the deployment context yet',
    ]);
  });
});
