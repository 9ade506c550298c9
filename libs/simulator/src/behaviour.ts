import { createHash } from 'node:crypto';
import { EnvironmentOperation, RevisionMetrics } from '@rcp/executor';

/**
 * How the simulated data plane behaves, as pure functions of time: readiness, the image-tag switches and
 * request metrics. The world (world.ts) stores only what was asked and when; everything observed is
 * computed from that and the clock, so a restart changes nothing and every behaviour is unit-testable.
 */

/** What an image tag makes a revision do: `…-unhealthy` fails its health checks and errs, `…-slow` answers slowly, `…-crashloop` never becomes ready. */
export type ImageTrait = 'healthy' | 'unhealthy' | 'slow' | 'crashloop';

/** The trait of an image reference (`registry/app:1.4.2-slow`, `app@sha256:…` is healthy). */
export function traitOf(image: string): ImageTrait {
  const tag = /:([^/:@]+)(?:@.*)?$/.exec(image)?.[1] ?? '';
  if (tag.endsWith('-crashloop')) return 'crashloop';
  if (tag.endsWith('-unhealthy')) return 'unhealthy';
  if (tag.endsWith('-slow')) return 'slow';
  return 'healthy';
}

export interface Timings {
  /** One more replica becomes ready every step. */
  readyStepMs: number;
  /** A revision not ready this long after it was applied or scaled has failed (its operation fails). */
  progressDeadlineMs: number;
}

/** A revision as the world stores it. */
export interface StoredRevision {
  service: string;
  revision: string;
  image: string;
  configChecksum: string | null;
  replicas: number;
  /** Replicas already ready when it last changed (a scale-up keeps the ready ones). */
  readyBase: number;
  /** When its image, config or replicas last changed. */
  changedAt: Date;
  trafficWeight: number;
}

/** Ready replicas at `now`: one more every step after a change, up to the desired count; none ever for a crash loop. */
export function readyReplicasAt(r: StoredRevision, now: Date, t: Timings): number {
  if (traitOf(r.image) === 'crashloop') return 0;
  const base = Math.min(r.readyBase, r.replicas);
  const steps = Math.max(0, Math.floor((now.getTime() - r.changedAt.getTime()) / t.readyStepMs));
  return Math.min(r.replicas, base + steps);
}

/** When all replicas are ready (null: never, a crash loop with replicas). */
export function readyAt(r: StoredRevision, t: Timings): Date | null {
  const missing = r.replicas - Math.min(r.readyBase, r.replicas);
  if (missing <= 0) return r.changedAt;
  if (traitOf(r.image) === 'crashloop') return null;
  return new Date(r.changedAt.getTime() + missing * t.readyStepMs);
}

/** A revision's health checks pass: some replica is ready and the image is not `-unhealthy`. */
export const isHealthy = (r: StoredRevision, now: Date, t: Timings): boolean => readyReplicasAt(r, now, t) > 0 && traitOf(r.image) !== 'unhealthy';

/** Requests one ready replica serves at 90 % CPU. */
export const REPLICA_CAPACITY_RPS = 50;
/** Length of one swing of the synthetic load (it rises and falls by a fifth around its base). */
export const LOAD_PERIOD_MS = 10 * 60_000;

/** The synthetic load on a service at `now`: its base (requests per second) with a slow swing of ±20 %. */
export function loadAt(baseRps: number, now: Date): number {
  return Math.max(0, baseRps * (1 + 0.2 * Math.sin((2 * Math.PI * now.getTime()) / LOAD_PERIOD_MS)));
}

/** A small steady wobble (±3 %) per revision and minute, so series look measured rather than drawn. */
function wobble(key: string, now: Date): number {
  const n = createHash('sha256').update(`${key}:${Math.floor(now.getTime() / 60_000)}`).digest().readUInt16BE(0) / 0xffff;
  return 0.97 + 0.06 * n;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Request metrics of a service's revisions at `now`. The service's load is split by traffic weight;
 * a revision's replicas share its part: CPU follows the requests per ready replica, latency climbs once
 * CPU passes 70 %, and errors come from the image's trait, from overload (CPU at the top) and from
 * traffic sent to a revision with no ready replica (all of it fails).
 */
export function metricsOf(revisions: StoredRevision[], baseRps: number, now: Date, t: Timings): RevisionMetrics[] {
  const totalWeight = revisions.reduce((sum, r) => sum + Math.max(0, r.trafficWeight), 0);
  const load = loadAt(baseRps, now);
  return revisions.map((r) => {
    const share = totalWeight > 0 ? Math.max(0, r.trafficWeight) / totalWeight : 0;
    const rps = load * share;
    const ready = readyReplicasAt(r, now, t);
    const trait = traitOf(r.image);
    const w = wobble(`${r.service}/${r.revision}`, now);
    if (ready === 0) {
      return { service: r.service, revision: r.revision, requestsPerSecond: round(rps, 2), errorRate: rps > 0 ? 1 : 0, p95LatencyMs: 0, cpuPercent: 0, readyReplicas: 0 };
    }
    const perReplica = rps / ready;
    const cpu = Math.min(100, (5 + (perReplica / REPLICA_CAPACITY_RPS) * 85) * w);
    const saturation = Math.max(0, (cpu - 70) / 30);
    const p95 = 60 * (1 + 3 * saturation) * (trait === 'slow' ? 8 : 1) * w;
    const errors = Math.min(1, (0.001 + (trait === 'unhealthy' ? 0.25 : 0) + (cpu >= 98 ? 0.05 : 0)) * (rps > 0 ? 1 : 0));
    return {
      service: r.service,
      revision: r.revision,
      requestsPerSecond: round(rps, 2),
      errorRate: round(errors, 4),
      p95LatencyMs: round(p95, 1),
      cpuPercent: round(cpu, 1),
      readyReplicas: ready,
    };
  });
}

/** Labels of an environment that ask the simulated data plane to misbehave, for demos and tests. */
export const LABEL_SIMULATE_FAILURE = 'rcp.dev/simulate-failure';
export const LABEL_SIMULATE_LATENCY_MS = 'rcp.dev/simulate-latency-ms';

/**
 * Why an environment operation fails (null: it succeeds), decided when it is taken:
 * - label `rcp.dev/simulate-failure`: `provision` fails every provisioning attempt, `decommission` every
 *   decommissioning attempt, `all` both; `provision-once` only the first attempt (the automatic retry
 *   then succeeds); `provision-until-retry` the whole first round (a retry of the environment succeeds);
 * - `failureRate`: the share of attempts that fail, chosen by a hash of environment, kind, round and
 *   attempt, so the same attempt always has the same fate.
 */
export function environmentFailure(op: Pick<EnvironmentOperation, 'kind' | 'attempt' | 'round' | 'environment'>, failureRate: number): string | null {
  const flag = op.environment.labels[LABEL_SIMULATE_FAILURE];
  const onRequest =
    flag === 'all' ||
    flag === op.kind ||
    (op.kind === 'provision' && flag === 'provision-once' && op.round === 1 && op.attempt === 1) ||
    (op.kind === 'provision' && flag === 'provision-until-retry' && op.round === 1);
  if (onRequest) {
    const verb = op.kind === 'provision' ? 'provisioning' : 'decommissioning';
    return `the simulated provisioner failed ${verb} on request (label ${LABEL_SIMULATE_FAILURE}=${flag})`;
  }
  if (failureRate > 0) {
    const draw = createHash('sha256').update(`${op.environment.id}:${op.kind}:${op.round}:${op.attempt}`).digest().readUInt32BE(0) / 0x1_0000_0000;
    if (draw < failureRate) return `simulated infrastructure failure (SIMULATED_FAILURE_RATE=${failureRate})`;
  }
  return null;
}
