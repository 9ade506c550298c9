import { canonicalJson, sha256Hex } from '@rcp/ddd';
import { DesiredService } from './desired-state';

export type DriftKind = 'missing-service' | 'unexpected-service' | 'image-mismatch' | 'replica-mismatch' | 'config-mismatch' | 'persistently-unhealthy';
export const DRIFT_KINDS: readonly DriftKind[] = ['missing-service', 'unexpected-service', 'image-mismatch', 'replica-mismatch', 'config-mismatch', 'persistently-unhealthy'];

/** A service as it runs, from inventory's events. */
export interface ActualService {
  name: string;
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
  observedAt: Date;
}

/** What the health context said about a service: its health, its scaling policy's bounds and its last decision. */
export interface ServiceSignals {
  health?: { status: 'unknown' | 'healthy' | 'degraded' | 'unhealthy'; since: Date; reason: string } | null;
  scalingPolicy?: { minReplicas: number; maxReplicas: number } | null;
  scalingDecision?: { decisionId: string; desiredReplicas: number; at: Date } | null;
  /** An unfinished rollout of the service: what runs is moving on purpose, so it is not judged now. */
  rollout?: { deploymentId: string; state: string } | null;
}

/** A signal that explained, contradicted or showed a divergence: what a person reads to trust a finding. */
export interface Evidence {
  signal: 'desired-state' | 'inventory' | 'health' | 'scaling-policy' | 'scaling-decision' | 'deployment';
  says: 'shows' | 'explains' | 'contradicts';
  detail: string;
  at: string | null;
}

/** One way what runs differs from what Git declares. `desired` is the value compared (part of the fingerprint). */
export interface Divergence {
  service: string;
  kind: DriftKind;
  desired: string | number | null;
  actual: string | number | null;
  evidence: Evidence[];
}

export interface Comparison {
  divergences: Divergence[];
  /** Differences a signal accounts for (a replica count a scaling decision within bounds asked for): not drift. */
  explained: Divergence[];
  /** Services not judged this time, and why (a rollout in progress). */
  skipped: Array<{ service: string; reason: string }>;
}

export interface CompareOptions {
  /** A service unhealthy for at least this long is `persistently-unhealthy`. */
  unhealthyAfterSeconds: number;
}

/**
 * Compares the desired state with what runs, service by service. A replica count that a scaling decision
 * within the scaling policy's bounds asked for is not drift (it is listed as explained, with that
 * decision as evidence); a service whose rollout is unfinished is not judged until it ends.
 */
export function compare(desired: readonly DesiredService[], actual: readonly ActualService[], signals: ReadonlyMap<string, ServiceSignals>, now: Date, opts: CompareOptions): Comparison {
  const out: Comparison = { divergences: [], explained: [], skipped: [] };
  const running = new Map(actual.map((a) => [a.name, a]));
  const declared = new Set(desired.map((d) => d.name));
  const seen = (a: ActualService): Evidence => ({ signal: 'inventory', says: 'shows', detail: `runs ${a.image} with ${a.replicas} replicas (${a.readyReplicas} ready), config ${short(a.configChecksum)}`, at: a.observedAt.toISOString() });
  for (const d of desired) {
    const sig = signals.get(d.name) ?? {};
    if (sig.rollout) {
      out.skipped.push({ service: d.name, reason: `deployment ${sig.rollout.deploymentId} is ${sig.rollout.state}` });
      continue;
    }
    const a = running.get(d.name);
    if (!a) {
      if (d.replicas > 0) out.divergences.push({ service: d.name, kind: 'missing-service', desired: d.image, actual: null, evidence: [{ signal: 'inventory', says: 'shows', detail: `${d.name} is not running`, at: null }] });
      continue;
    }
    if (a.image !== d.image) out.divergences.push({ service: d.name, kind: 'image-mismatch', desired: d.image, actual: a.image, evidence: [seen(a)] });
    if (d.configChecksum !== null && a.configChecksum !== d.configChecksum) {
      out.divergences.push({ service: d.name, kind: 'config-mismatch', desired: d.configChecksum, actual: a.configChecksum, evidence: [seen(a)] });
    }
    if (a.replicas !== d.replicas) {
      const replica: Divergence = { service: d.name, kind: 'replica-mismatch', desired: d.replicas, actual: a.replicas, evidence: [seen(a), ...scalingEvidence(a, sig)] };
      (explainedByScaling(a, sig) ? out.explained : out.divergences).push(replica);
    }
    const h = sig.health;
    if (h && h.status === 'unhealthy' && now.getTime() - h.since.getTime() >= opts.unhealthyAfterSeconds * 1000) {
      out.divergences.push({
        service: d.name,
        kind: 'persistently-unhealthy',
        desired: 'healthy',
        actual: 'unhealthy',
        evidence: [{ signal: 'health', says: 'shows', detail: `unhealthy since ${h.since.toISOString()}: ${h.reason}`, at: h.since.toISOString() }],
      });
    }
  }
  for (const a of actual) {
    if (declared.has(a.name)) continue;
    const sig = signals.get(a.name) ?? {};
    if (sig.rollout) {
      out.skipped.push({ service: a.name, reason: `deployment ${sig.rollout.deploymentId} is ${sig.rollout.state}` });
      continue;
    }
    out.divergences.push({ service: a.name, kind: 'unexpected-service', desired: null, actual: a.image, evidence: [seen(a), { signal: 'desired-state', says: 'shows', detail: `the desired state does not declare ${a.name}`, at: null }] });
  }
  return out;
}

/** The replica count is what the last scaling decision asked for, and within the policy's bounds. */
function explainedByScaling(a: ActualService, sig: ServiceSignals): boolean {
  const p = sig.scalingPolicy;
  const d = sig.scalingDecision;
  return !!p && !!d && d.desiredReplicas === a.replicas && a.replicas >= p.minReplicas && a.replicas <= p.maxReplicas;
}

function scalingEvidence(a: ActualService, sig: ServiceSignals): Evidence[] {
  const p = sig.scalingPolicy;
  const d = sig.scalingDecision;
  if (!p) return [{ signal: 'scaling-policy', says: 'contradicts', detail: 'no scaling policy: nothing may change the replica count but a deployment', at: null }];
  const out: Evidence[] = [];
  const inBounds = a.replicas >= p.minReplicas && a.replicas <= p.maxReplicas;
  out.push({ signal: 'scaling-policy', says: inBounds ? 'explains' : 'contradicts', detail: `the scaling policy allows ${p.minReplicas} to ${p.maxReplicas} replicas`, at: null });
  if (!d) out.push({ signal: 'scaling-decision', says: 'contradicts', detail: 'no scaling decision was made', at: null });
  else {
    const matches = d.desiredReplicas === a.replicas;
    out.push({ signal: 'scaling-decision', says: matches && inBounds ? 'explains' : 'contradicts', detail: `scaling decision ${d.decisionId} asked for ${d.desiredReplicas} replicas`, at: d.at.toISOString() });
  }
  return out;
}

const short = (checksum: string | null) => (checksum ? checksum.slice(0, 12) : 'unknown');

/**
 * The identity of a divergence across reconciliations: environment, service, kind and the desired value.
 * One open finding per fingerprint; a new desired value is a new fingerprint (the old finding resolves).
 */
export const fingerprintOf = (environmentId: string, d: Pick<Divergence, 'service' | 'kind' | 'desired'>): string => sha256Hex(canonicalJson([environmentId, d.service, d.kind, d.desired]));
