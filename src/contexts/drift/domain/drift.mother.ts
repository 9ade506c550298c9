import { DesiredService, DesiredState } from './desired-state';
import { RuntimeDriftFinding } from './drift-finding.aggregate';
import { EnvironmentDrift } from './environment-drift.aggregate';
import { Divergence } from './reconciliation';

/** Object mothers of the drift context (tests only). */

export const T0 = new Date('2026-12-01T10:00:00Z');
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
export const ENV = '11111111-1111-4111-8111-111111111111';
export const DEPLOYMENT = '22222222-2222-4222-8222-222222222222';
export const COMMIT = 'a'.repeat(40);

export const aDesiredService = (name = 'checkout', over: Partial<DesiredService> = {}): DesiredService => ({ name, image: `registry.example.com/acme/${name}:1.0.0`, replicas: 3, configChecksum: null, ...over });

export const aDesiredState = (services: DesiredService[] = [aDesiredService()], over: Partial<DesiredState> = {}): DesiredState => ({
  source: { repository: 'https://git.example.com/acme/config.git', revision: COMMIT, path: 'envs/prod' },
  services,
  observedAt: T0,
  ...over,
});

export const aDivergence = (over: Partial<Divergence> = {}): Divergence => ({
  service: 'checkout',
  kind: 'image-mismatch',
  desired: 'registry.example.com/acme/checkout:1.0.0',
  actual: 'registry.example.com/acme/checkout:0.9.0',
  evidence: [{ signal: 'inventory', says: 'shows', detail: 'runs 0.9.0', at: T0.toISOString() }],
  ...over,
});

/** An open finding, as a reconciliation detects one (its creation event pulled). */
export function aFinding(over: Partial<Divergence> = {}, id = '33333333-3333-4333-8333-333333333333'): RuntimeDriftFinding {
  const f = RuntimeDriftFinding.detect({ id, tenantId: 'acme', projectId: 'shop', environmentId: ENV, fingerprint: 'fp-1', desiredRevision: COMMIT, divergence: aDivergence(over), earlierAttempts: [] }, T0);
  f.pullEvents();
  return f;
}

/** A finding whose corrective deployment was requested and created. */
export function aRemediatingFinding(): RuntimeDriftFinding {
  const f = aFinding();
  f.requestRemediation({ action: 'redeploy', toRevision: null, desired: { image: 'registry.example.com/acme/checkout:1.0.0', replicas: 3, configChecksum: null }, automatic: true, by: 'system:drift' }, at(1));
  f.remediationStarted(DEPLOYMENT, at(2));
  f.pullEvents();
  return f;
}

/** An environment's drift record with a desired state recorded. */
export function anEnvironmentDrift(state: DesiredState = aDesiredState()): EnvironmentDrift {
  const d = EnvironmentDrift.open({ environmentId: ENV, tenantId: 'acme', projectId: 'shop' }, T0);
  d.recordDesiredState(state, '44444444-4444-4444-8444-444444444444', 'pipeline@acme', T0);
  d.pullEvents();
  d.takeRecordedSnapshots();
  return d;
}
