import { AggregateRoot, Lifecycle, formatImageReference, parseImageReference } from '@rcp/ddd';
import {
  DeploymentAborted,
  DeploymentCreated,
  DeploymentEvent,
  DeploymentFailed,
  DeploymentPaused,
  DeploymentPromoted,
  DeploymentRollbackStarted,
  DeploymentRolledBack,
  DeploymentStepStarted,
  DeploymentSucceeded,
  DeploymentVerifying,
  WorkloadDeployed,
} from './deployment.domain-events';
import { GateEvaluation, HealthGate, validateHealthGate } from './health-gate';
import { RolloutStep, RolloutStrategy, planRollout, validateStrategy } from './rollout-strategy';

export type DeploymentState = 'pending' | 'progressing' | 'paused' | 'verifying' | 'succeeded' | 'rolling_back' | 'rolled_back' | 'failed' | 'aborted';
export const FINISHED_STATES: DeploymentState[] = ['succeeded', 'rolled_back', 'failed', 'aborted'];

/** What a release is: image, configuration version and secret binding set, restored together by a rollback. */
export interface Release {
  revision: number;
  image: string;
  configVersion: number;
  configChecksum: string;
  secretBindings: string[];
  /** Replicas it runs with (of a previous release: when the new one was created; what a restore brings back). */
  replicas?: number;
}

export type DeploymentReason = 'deploy' | 'rollback' | 'drift-remediation';

/** One line of the timeline: every step and why the deployment moved. */
export interface TimelineEntry {
  at: Date;
  state: DeploymentState;
  step: number | null;
  message: string;
  evaluation?: GateEvaluation;
}

/** What the executor is asked to do for a step (or to restore the previous release), one operation at a time. */
export type OperationPhase = 'new' | 'old' | 'restore-old' | 'restore-new';
export interface OperationInFlight {
  id: string;
  phase: OperationPhase;
  step: number;
}

/** One reading of the new revision's request metrics while its step is verified. */
export interface MetricReading {
  at: Date;
  errorRate: number;
  p95LatencyMs: number;
}

export interface DeploymentSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  release: Release;
  /** The last succeeded release of the service when this one was created: where a rollback goes. */
  previous: Release | null;
  replicas: number;
  strategy: RolloutStrategy;
  healthGate: HealthGate;
  plan: RolloutStep[];
  state: DeploymentState;
  currentStep: number;
  stepStartedAt: Date | null;
  /** A timed pause ends then (a BullMQ delayed job wakes the rollout); null: until promoted or resumed. */
  pausedUntil: Date | null;
  reason: DeploymentReason;
  cause: { findingId: string } | null;
  /** The executor operation awaited; its outcome moves the rollout on. */
  operation: OperationInFlight | null;
  /** Metric readings of the new revision since the current step started. */
  readings: MetricReading[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  timeline: TimelineEntry[];
}

type Action = 'start' | 'verify' | 'advance' | 'pause' | 'resume' | 'promote' | 'succeed' | 'rollback' | 'rolled-back' | 'abort' | 'fail';

/** The state machine of API.md ("Deployment"); `invalid_state_transition` comes from here only. */
export const DEPLOYMENT_LIFECYCLE = new Lifecycle<DeploymentState, Action>('Deployment', {
  start: { from: ['pending'], to: 'progressing', describe: 'start' },
  verify: { from: ['progressing'], to: 'verifying', describe: 'verify a step' },
  advance: { from: ['progressing', 'verifying', 'paused'], to: 'progressing', describe: 'go to its next step' },
  pause: { from: ['progressing', 'verifying'], to: 'paused', describe: 'pause' },
  resume: { from: ['paused'], to: 'progressing', describe: 'resume', refusals: { progressing: 'resume: it is not paused' } },
  promote: { from: ['progressing', 'paused', 'verifying'], to: 'progressing', describe: 'be promoted' },
  succeed: { from: ['progressing', 'verifying'], to: 'succeeded', describe: 'succeed' },
  rollback: { from: ['progressing', 'paused', 'verifying'], to: 'rolling_back', describe: 'roll back' },
  'rolled-back': { from: ['rolling_back'], to: 'rolled_back', describe: 'finish rolling back' },
  abort: { from: ['pending', 'progressing', 'paused', 'verifying'], to: 'aborted', describe: 'be aborted' },
  fail: { from: ['pending', 'progressing', 'paused', 'verifying', 'rolling_back'], to: 'failed', describe: 'fail' },
});

export interface NewDeployment {
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
  service: string;
  /** The service's next revision number (after every earlier one, succeeded or not). */
  revision: number;
  release: Omit<Release, 'revision'>;
  previous: Release | null;
  /** Replicas of the previous release now running (0 for a first deployment). */
  runningReplicas: number;
  replicas: number;
  strategy: RolloutStrategy;
  healthGate: HealthGate;
  reason: DeploymentReason;
  cause: { findingId: string } | null;
  createdBy: string;
}

/**
 * One rollout of a release of one service in one environment: its plan (from the strategy), where it is
 * in it, and a timeline of every step, every gate evaluation with the numbers it judged, and why it
 * moved. The application drives it: the executor's outcomes apply steps, the health context's events
 * feed the gate, pause timers resume it, and people promote, roll back, abort or resume it.
 */
export class RuntimeDeployment extends AggregateRoot<string, DeploymentEvent> {
  private constructor(
    private s: DeploymentSnapshot,
    version: number,
  ) {
    super(s.id, version);
  }

  static create(input: NewDeployment, now: Date): RuntimeDeployment {
    const image = formatImageReference(parseImageReference(input.release.image));
    const strategy = validateStrategy(input.strategy);
    const healthGate = validateHealthGate(input.healthGate);
    const revision = input.revision;
    if (!Number.isInteger(revision) || revision < 1 || (input.previous && revision <= input.previous.revision)) {
      throw new Error(`RuntimeDeployment.create: revision ${revision} must follow the previous one (${input.previous?.revision ?? 'none'})`);
    }
    const release: Release = { ...input.release, image, revision, secretBindings: [...new Set(input.release.secretBindings)].sort(), replicas: input.replicas };
    const d = new RuntimeDeployment(
      {
        id: input.id,
        tenantId: input.tenantId,
        projectId: input.projectId,
        environmentId: input.environmentId,
        service: input.service,
        release,
        previous: input.previous,
        replicas: input.replicas,
        strategy,
        healthGate,
        plan: planRollout(strategy, input.replicas, input.runningReplicas),
        state: 'pending',
        currentStep: 0,
        stepStartedAt: null,
        pausedUntil: null,
        reason: input.reason,
        cause: input.cause,
        operation: null,
        readings: [],
        createdBy: input.createdBy,
        createdAt: now,
        updatedAt: now,
        timeline: [],
      },
      0,
    );
    d.note(now, `revision ${revision} (${image}, config version ${release.configVersion}) by ${input.createdBy}: ${strategy.type}, ${d.s.plan.length} steps`);
    d.record(
      new DeploymentCreated(
        d.id,
        { ...d.ref(), image, configVersion: release.configVersion, configChecksum: release.configChecksum, secretBindings: release.secretBindings, strategy: strategy.type, reason: input.reason, cause: input.cause, createdBy: input.createdBy },
        now,
      ),
    );
    return d;
  }

  static rehydrate(s: DeploymentSnapshot, version: number): RuntimeDeployment {
    return new RuntimeDeployment(s, version);
  }

  get state(): DeploymentState {
    return this.s.state;
  }

  get finished(): boolean {
    return FINISHED_STATES.includes(this.s.state);
  }

  /** The step the rollout is at. */
  get step(): RolloutStep {
    return this.s.plan[this.s.currentStep];
  }

  /** Starts the first step (the executor is asked to apply it). */
  start(now: Date): void {
    this.move('start', now, null);
    this.startStep(0, now);
  }

  /**
   * The executor applied the current step: a step to verify waits for the gate, a pause holds (until
   * its time, or until promoted), and any other step goes on to the next, or succeeds when it was the last.
   */
  stepApplied(now: Date): boolean {
    if (this.s.state !== 'progressing') return false; // a late outcome of a step the rollout has left
    const step = this.step;
    if (step.action === 'pause') {
      this.move('pause', now, step.pauseSeconds === null ? 'paused until promoted or resumed' : `paused for ${step.pauseSeconds} s`);
      this.s.pausedUntil = step.pauseSeconds === null ? null : new Date(now.getTime() + step.pauseSeconds * 1000);
      this.record(new DeploymentPaused(this.id, { ...this.ref(), step: step.index, until: this.s.pausedUntil?.toISOString() ?? null }, now));
      return true;
    }
    if (step.verify) {
      this.move('verify', now, `step ${step.index + 1} applied (${step.action}, ${step.weight} %): verifying`);
      this.record(new DeploymentVerifying(this.id, { ...this.ref(), step: step.index }, now));
      return true;
    }
    this.next(now);
    return true;
  }

  /**
   * A judgement of the gate while verifying: kept in the timeline with its inputs; `pass` goes on,
   * `fail` rolls back to the previous release (or fails a first deployment, which has none),
   * `inconclusive` waits (the evaluation itself turns into `fail` at the gate's timeout).
   */
  gateEvaluated(evaluation: GateEvaluation): void {
    if (this.s.state !== 'verifying') return;
    const now = evaluation.at;
    const last = this.s.timeline[this.s.timeline.length - 1];
    const repeated = evaluation.outcome === 'inconclusive' && last?.evaluation?.outcome === 'inconclusive' && last.evaluation.reasons.join() === evaluation.reasons.join();
    if (!repeated) this.note(now, `health gate ${evaluation.outcome}: ${evaluation.reasons.join('; ')}`, evaluation);
    if (evaluation.outcome === 'pass') this.next(now);
    else if (evaluation.outcome === 'fail') this.rollBackOrFail(`health gate failed: ${evaluation.reasons.join('; ')}`, now, evaluation);
  }

  /** A timed pause is over (the delayed job fired); a pause already left, or untimed, is not touched. */
  pauseElapsed(now: Date): boolean {
    if (this.s.state !== 'paused' || !this.s.pausedUntil || now.getTime() < this.s.pausedUntil.getTime()) return false;
    this.next(now);
    return true;
  }

  /** A person resumes a paused rollout. */
  resume(by: string, now: Date): void {
    DEPLOYMENT_LIFECYCLE.next(this.s.state, 'resume');
    this.note(now, `resumed by ${by}`);
    this.next(now);
  }

  /**
   * A person promotes: every remaining pause is skipped and the rollout goes straight to its last step
   * (canary: full weight; blue-green: the traffic switch), which is still verified.
   */
  promote(by: string, now: Date): boolean {
    DEPLOYMENT_LIFECYCLE.next(this.s.state, 'promote');
    const target = this.s.plan.findIndex((s) => s.action === 'promote');
    const to = target >= 0 ? target : this.s.plan.length - 1;
    const from = this.s.currentStep;
    if (from >= to) return false; // already at its last step: nothing left to skip
    this.move('promote', now, `promoted by ${by}`);
    this.record(new DeploymentPromoted(this.id, { ...this.ref(), fromStep: from, by }, now));
    this.startStep(to, now);
    return true;
  }

  /** A person rolls back an unfinished rollout to the previous release. */
  rollBack(by: string, reason: string, now: Date): void {
    DEPLOYMENT_LIFECYCLE.next(this.s.state, 'rollback');
    this.rollBackOrFail(`rolled back by ${by}: ${reason}`, now, null);
  }

  /** The executor restored the previous release. */
  rolledBack(now: Date): void {
    const to = this.s.previous!.revision;
    this.move('rolled-back', now, `revision ${to} restored (image, config version and secrets)`);
    this.record(new DeploymentRolledBack(this.id, { ...this.ref(), toRevision: to, reason: this.lastReason() }, now));
  }

  /** A person aborts: the rollout stops and the previous release takes all traffic again. */
  abort(by: string, reason: string, now: Date): void {
    this.move('abort', now, `aborted by ${by}: ${reason}`);
    this.record(new DeploymentAborted(this.id, { ...this.ref(), by, reason }, now));
  }

  /** The executor could not carry out a step (or a restore). */
  fail(reason: string, now: Date): void {
    this.move('fail', now, reason);
    this.record(new DeploymentFailed(this.id, { ...this.ref(), reason }, now));
  }

  /** Records the executor operation now awaited (sent by a job; its outcome comes back by `operationSucceeded`/`operationFailed`). */
  awaitOperation(id: string, phase: OperationPhase): void {
    this.s.operation = { id, phase, step: this.s.currentStep };
  }

  /**
   * The awaited operation succeeded: the next phase of the step (or of the restore) is due, or the step
   * is applied, or the previous release runs again. Returns the phase to send next, if any. An outcome
   * of an operation no longer awaited (a promote moved on, a retry was answered twice) changes nothing.
   */
  operationSucceeded(id: string, needsOld: boolean, now: Date): OperationPhase | null | 'ignored' {
    const op = this.s.operation;
    if (!op || op.id !== id) return 'ignored';
    this.s.operation = null;
    this.s.updatedAt = now;
    switch (op.phase) {
      case 'new':
        if (needsOld) return 'old';
        this.stepApplied(now);
        return null;
      case 'old':
        this.stepApplied(now);
        return null;
      case 'restore-old':
        return 'restore-new';
      case 'restore-new':
        if (this.s.state === 'rolling_back') this.rolledBack(now);
        else this.note(now, `revision ${this.s.previous?.revision ?? '?'} runs alone again`);
        return null;
    }
  }

  /** The awaited operation failed: a step rolls back (or fails a first deployment); a failed restore fails the deployment. */
  operationFailed(id: string, reason: string, now: Date): boolean {
    const op = this.s.operation;
    if (!op || op.id !== id) return false;
    this.s.operation = null;
    if (op.phase === 'restore-old' || op.phase === 'restore-new') {
      if (this.s.state === 'rolling_back') this.fail(`the previous revision could not be restored: ${reason}`, now);
      else this.note(now, `the previous revision could not be restored: ${reason}`);
      return true;
    }
    if (this.s.state !== 'progressing') return false;
    this.rollBackOrFail(`the executor could not apply step ${op.step + 1}: ${reason}`, now, null);
    return true;
  }

  /** Keeps a metric reading of the new revision for the gate of the current step. */
  recordReading(reading: MetricReading): void {
    if (this.s.state === 'verifying') this.s.readings = [...this.s.readings, reading].slice(-100);
  }

  /** What the readings of the current step add up to, for the gate: their count, the mean error rate and the worst p95. */
  readingsSummary(): { samples: number; errorRate: number | null; p95LatencyMs: number | null } {
    const r = this.s.readings;
    if (r.length === 0) return { samples: 0, errorRate: null, p95LatencyMs: null };
    return { samples: r.length, errorRate: r.reduce((n, x) => n + x.errorRate, 0) / r.length, p95LatencyMs: Math.max(...r.map((x) => x.p95LatencyMs)) };
  }

  snapshot(): DeploymentSnapshot {
    return { ...this.s, timeline: [...this.s.timeline], plan: [...this.s.plan], readings: [...this.s.readings] };
  }

  private next(now: Date): void {
    const nextIndex = this.s.currentStep + 1;
    if (nextIndex >= this.s.plan.length) {
      this.move('succeed', now, `revision ${this.s.release.revision} succeeded`);
      const r = this.s.release;
      this.record(new DeploymentSucceeded(this.id, { ...this.ref(), image: r.image, configVersion: r.configVersion }, now));
      this.record(new WorkloadDeployed(this.id, { ...this.ref(), image: r.image, configVersion: r.configVersion, configChecksum: r.configChecksum, secretBindings: r.secretBindings, replicas: this.s.replicas }, now));
      return;
    }
    this.move('advance', now, null);
    this.startStep(nextIndex, now);
  }

  private startStep(index: number, now: Date): void {
    this.s.currentStep = index;
    this.s.stepStartedAt = now;
    this.s.pausedUntil = null;
    this.s.readings = [];
    this.s.operation = null;
    const step = this.s.plan[index];
    this.note(now, `step ${index + 1} of ${this.s.plan.length}: ${step.action}, ${step.weight} % to revision ${this.s.release.revision} (${step.newReplicas} new, ${step.oldReplicas} old)`);
    this.record(new DeploymentStepStarted(this.id, { ...this.ref(), step: index, action: step.action, weight: step.weight }, now));
  }

  private rollBackOrFail(reason: string, now: Date, evaluation: GateEvaluation | null): void {
    if (!this.s.previous) {
      this.fail(`${reason}; there is no earlier succeeded revision to roll back to`, now);
      return;
    }
    this.move('rollback', now, `${reason}: rolling back to revision ${this.s.previous.revision}`);
    this.record(new DeploymentRollbackStarted(this.id, { ...this.ref(), toRevision: this.s.previous.revision, reason, evaluation }, now));
  }

  private lastReason(): string {
    return [...this.s.timeline].reverse().find((e) => e.state === 'rolling_back')?.message ?? 'rolled back';
  }

  private move(action: Action, now: Date, message: string | null): void {
    this.s.state = DEPLOYMENT_LIFECYCLE.next(this.s.state, action);
    this.s.updatedAt = now;
    if (message) this.note(now, message);
  }

  private note(at: Date, message: string, evaluation?: GateEvaluation): void {
    this.s.timeline.push({ at, state: this.s.state, step: this.s.state === 'pending' ? null : this.s.currentStep, message, ...(evaluation ? { evaluation } : {}) });
  }

  private ref() {
    return { tenantId: this.s.tenantId, projectId: this.s.projectId, environmentId: this.s.environmentId, service: this.s.service, revision: this.s.release.revision };
  }
}
