import { GateEvaluation } from './health-gate';
import { NewDeployment, Release, RuntimeDeployment } from './runtime-deployment.aggregate';
import { RolloutStrategy } from './rollout-strategy';

/** Tests only: deployments and gate evaluations as the application would make them. */
export const T0 = new Date('2026-12-04T10:00:00Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

export const PREVIOUS: Release = { revision: 3, image: 'registry.example/checkout:1.0.0', configVersion: 4, configChecksum: 'c4', secretBindings: ['DB_PASSWORD'] };

export function aDeployment(overrides: Partial<NewDeployment> & { strategy?: RolloutStrategy } = {}): RuntimeDeployment {
  return RuntimeDeployment.create(
    {
      id: '7a1c9e52-3b4d-4f6a-8e21-0c9d8b7a6f54',
      tenantId: 'acme',
      projectId: 'shop',
      environmentId: '0b7c6a4e-2f1d-4c3b-9a8e-5d6f7a8b9c0d',
      service: 'checkout',
      revision: 4,
      release: { image: 'registry.example/checkout:1.1.0', configVersion: 5, configChecksum: 'c5', secretBindings: ['DB_PASSWORD', 'API_KEY', 'DB_PASSWORD'] },
      previous: PREVIOUS,
      runningReplicas: 4,
      replicas: 4,
      strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: { seconds: 60 } }, { setWeight: 50 }] },
      healthGate: { minHealthySeconds: 30, maxErrorRate: 0.05, maxP95LatencyMs: null, timeoutSeconds: 120 },
      reason: 'deploy',
      cause: null,
      createdBy: 'deployer@acme',
      ...overrides,
    },
    T0,
  );
}

export const evaluation = (outcome: GateEvaluation['outcome'], seconds: number, reasons: string[] = [outcome]): GateEvaluation => ({
  at: at(seconds),
  outcome,
  reasons,
  inputs: { health: 'healthy', healthySeconds: 30, samples: 3, errorRate: 0.01, p95LatencyMs: null, elapsedSeconds: 30 },
});
