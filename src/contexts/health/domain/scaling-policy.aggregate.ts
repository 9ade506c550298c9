import { AggregateRoot, DomainError, canonicalJson } from '@rcp/ddd';
import { ScalingApplied, ScalingDecisionMade, ScalingEvent, ScalingFailed, ScalingPolicySet } from './health.domain-events';
import { Observed, Recommendation, ScalingInput, ScalingPolicyProps, decideReplicas, validatePolicy } from './scaling';

export type DecisionState = 'pending' | 'applied' | 'failed' | 'held';

/** One scaling decision: its inputs, what it asked for and why, and what became of it. */
export interface ScalingDecision {
  id: string;
  madeAt: Date;
  currentReplicas: number;
  recommendedReplicas: number;
  desiredReplicas: number;
  observed: Observed;
  health: ScalingInput['health'];
  reasons: string[];
  cappedBy: string | null;
  /** `held`: a bound (quota, health, maxReplicas) kept the replicas as they were; nothing is sent. */
  state: DecisionState;
  operationId: string | null;
  failureReason: string | null;
  completedAt: Date | null;
}

export interface ScalingPolicySnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  policy: ScalingPolicyProps;
  /** Recommendations within the longer stabilization window, oldest first. */
  recommendations: Recommendation[];
  /** The decision whose scale operation is in flight; no other is made meanwhile. */
  pendingDecisionId: string | null;
  /** Replicas the last applied decision set, and when: newer than an observation, it is the current count. */
  lastScaledTo: number | null;
  lastScaledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DecisionContext {
  observed: Observed;
  /** Replicas of the service as last observed (inventory), and when. */
  observedReplicas: number | null;
  observedAt: Date | null;
  health: ScalingInput['health'];
  quota: ScalingInput['quota'];
  /** Whether a deployment of the service is in progress (no scaling then, as Flagger pauses). */
  deploying: boolean;
  decisionId: string;
  operationId: string;
}

/**
 * The scaling policy of one service in one environment, and the decisions it makes from metric reports
 * (HPA-style, `decideReplicas`). It keeps the recommendations of its stabilization windows, makes at
 * most one decision at a time (a decision in flight holds the next), and records what became of each.
 */
export class ScalingPolicy extends AggregateRoot<string, ScalingEvent> {
  private decisions: ScalingDecision[] = [];
  private touched = new Set<string>();

  private constructor(
    private s: ScalingPolicySnapshot,
    version: number,
    decisions: ScalingDecision[] = [],
  ) {
    super(s.id, version);
    this.decisions = decisions;
  }

  static create(ref: Pick<ScalingPolicySnapshot, 'id' | 'tenantId' | 'projectId' | 'environmentId' | 'service'>, policy: ScalingPolicyProps, now: Date): ScalingPolicy {
    const p = new ScalingPolicy({ ...ref, policy: validatePolicy(policy), recommendations: [], pendingDecisionId: null, lastScaledTo: null, lastScaledAt: null, createdAt: now, updatedAt: now }, 0);
    p.record(new ScalingPolicySet(p.id, { ...p.ref(), policy }, now));
    return p;
  }

  static rehydrate(s: ScalingPolicySnapshot, version: number, decisions: ScalingDecision[] = []): ScalingPolicy {
    return new ScalingPolicy({ ...s, recommendations: s.recommendations.map((r) => ({ at: new Date(r.at), replicas: r.replicas })) }, version, decisions);
  }

  /** Replaces the policy; the same policy again changes nothing (answers false). */
  change(policy: ScalingPolicyProps, now: Date): boolean {
    validatePolicy(policy);
    // Key order is not meaning (a stored policy comes back from jsonb with its keys reordered).
    if (canonicalJson(policy) === canonicalJson(this.s.policy)) return false;
    this.s = { ...this.s, policy, updatedAt: now };
    this.record(new ScalingPolicySet(this.id, { ...this.ref(), policy }, now));
    return true;
  }

  /** The replicas the service runs as far as this policy knows: its own last change when that is newer than the last observation. */
  currentReplicas(observedReplicas: number | null, observedAt: Date | null): number | null {
    if (this.s.lastScaledTo !== null && this.s.lastScaledAt && (!observedAt || observedAt < this.s.lastScaledAt)) return this.s.lastScaledTo;
    return observedReplicas;
  }

  /**
   * Decides from one metric report. Answers the decision when one is made: `pending` (a scale operation
   * is to be sent) or `held` (a bound kept the replicas); null when nothing is to change, a decision is
   * in flight, a deployment is progressing, or the replicas are not known yet.
   */
  decide(ctx: DecisionContext, now: Date): { decision: ScalingDecision | null; reason: string } {
    if (ctx.deploying) return { decision: null, reason: 'a deployment of the service is progressing: scaling waits' };
    if (this.s.pendingDecisionId) return { decision: null, reason: `decision ${this.s.pendingDecisionId} is still being applied` };
    const current = this.currentReplicas(ctx.observedReplicas, ctx.observedAt);
    if (current === null) return { decision: null, reason: 'the service\'s replicas have not been observed yet' };
    const windowSeconds = Math.max(this.s.policy.scaleUp.stabilizationSeconds, this.s.policy.scaleDown.stabilizationSeconds);
    const history = this.s.recommendations.filter((r) => now.getTime() - r.at.getTime() < windowSeconds * 1000);
    const outcome = decideReplicas({ policy: this.s.policy, currentReplicas: current, observed: ctx.observed, history, health: ctx.health, quota: ctx.quota, now });
    this.s = { ...this.s, recommendations: [...history, { at: now, replicas: outcome.recommended }].slice(-500), updatedAt: now };
    const wantedMore = outcome.recommended > current && outcome.desired === current && outcome.cappedBy !== null && outcome.cappedBy !== 'maxReplicas';
    if (outcome.desired === current && !wantedMore) return { decision: null, reason: outcome.reasons.join('; ') };
    const decision: ScalingDecision = {
      id: ctx.decisionId,
      madeAt: now,
      currentReplicas: current,
      recommendedReplicas: outcome.recommended,
      desiredReplicas: outcome.desired,
      observed: ctx.observed,
      health: ctx.health,
      reasons: outcome.reasons,
      cappedBy: outcome.cappedBy,
      state: outcome.desired === current ? 'held' : 'pending',
      operationId: outcome.desired === current ? null : ctx.operationId,
      failureReason: null,
      completedAt: outcome.desired === current ? now : null,
    };
    this.decisions.push(decision);
    this.touched.add(decision.id);
    if (decision.state === 'pending') this.s = { ...this.s, pendingDecisionId: decision.id };
    this.record(
      new ScalingDecisionMade(this.id, { ...this.ref(), decisionId: decision.id, currentReplicas: current, desiredReplicas: outcome.desired, reasons: outcome.reasons, cappedBy: outcome.cappedBy }, now),
    );
    return { decision, reason: outcome.reasons.join('; ') };
  }

  /** What became of the decision's scale operation; a decision no longer pending changes nothing (answers false). */
  complete(decisionId: string, outcome: { succeeded: true } | { succeeded: false; reason: string }, now: Date): boolean {
    const d = this.decisions.find((x) => x.id === decisionId);
    if (!d) throw new DomainError('not_found', `Scaling decision ${decisionId} was not found`);
    if (d.state !== 'pending') return false;
    Object.assign(d, outcome.succeeded ? { state: 'applied', completedAt: now } : { state: 'failed', failureReason: outcome.reason, completedAt: now });
    this.touched.add(d.id);
    this.s = { ...this.s, pendingDecisionId: this.s.pendingDecisionId === d.id ? null : this.s.pendingDecisionId, updatedAt: now };
    if (outcome.succeeded) {
      this.s = { ...this.s, lastScaledTo: d.desiredReplicas, lastScaledAt: now };
      this.record(new ScalingApplied(this.id, { ...this.ref(), decisionId: d.id, replicas: d.desiredReplicas, operationId: d.operationId! }, now));
    } else {
      this.record(new ScalingFailed(this.id, { ...this.ref(), decisionId: d.id, replicas: d.desiredReplicas, operationId: d.operationId, reason: outcome.reason }, now));
    }
    return true;
  }

  /** The decisions changed since the aggregate was loaded (the repository upserts them). */
  takeTouchedDecisions(): ScalingDecision[] {
    const out = this.decisions.filter((d) => this.touched.has(d.id));
    this.touched.clear();
    return out;
  }

  get projectId(): string {
    return this.s.projectId;
  }

  get policy(): ScalingPolicyProps {
    return this.s.policy;
  }

  snapshot(): ScalingPolicySnapshot {
    return { ...this.s, recommendations: [...this.s.recommendations] };
  }

  private ref() {
    const { tenantId, projectId, environmentId, service } = this.s;
    return { tenantId, projectId, environmentId, service };
  }
}
