import { DomainError } from '@rcp/ddd';

export interface RollingStrategy {
  type: 'rolling';
  /** Replicas above the desired count while the rollout runs. */
  maxSurge: number;
  /** Replicas below the desired count that may be unavailable while the rollout runs. */
  maxUnavailable: number;
}

export interface BlueGreenStrategy {
  type: 'blue-green';
  /** Promote by itself once the preview has been healthy for `previewSeconds`; otherwise wait for `promote`. */
  autoPromote: boolean;
  previewSeconds: number;
}

export type CanaryStep = { setWeight: number } | { pause: { seconds?: number } };

export interface CanaryStrategy {
  type: 'canary';
  steps: CanaryStep[];
}

export type RolloutStrategy = RollingStrategy | BlueGreenStrategy | CanaryStrategy;
export type StrategyType = RolloutStrategy['type'];

export const STRATEGY_TYPES: StrategyType[] = ['rolling', 'blue-green', 'canary'];
/** The longest pause a step may ask for (a day); longer is a forgotten rollout, not a plan. */
export const MAX_PAUSE_SECONDS = 86_400;
export const MAX_CANARY_STEPS = 50;

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Checks a strategy as it arrives; the refusal names the field (`strategy.steps.2.setWeight`). */
const KEYS: Record<StrategyType, string[]> = { rolling: ['type', 'maxSurge', 'maxUnavailable'], 'blue-green': ['type', 'autoPromote', 'previewSeconds'], canary: ['type', 'steps'] };

export function validateStrategy(s: RolloutStrategy): RolloutStrategy {
  if (typeof s !== 'object' || s === null) throw invalid('strategy', 'strategy must be an object with a type');
  const known = KEYS[s.type as StrategyType];
  const unknown = known ? Object.keys(s).filter((k) => !known.includes(k)) : [];
  if (unknown.length) throw invalid(`strategy.${unknown[0]}`, `a ${s.type} strategy has no field ${unknown[0]}`);
  if (s.type === 'canary' && Array.isArray(s.steps)) {
    s.steps.forEach((step, i) => {
      const keys = typeof step === 'object' && step !== null ? Object.keys(step) : [];
      if (keys.length !== 1) throw invalid(`strategy.steps.${i}`, 'a step is { setWeight } or { pause: { seconds? } }');
      const pause = (step as { pause?: unknown }).pause;
      if ('pause' in step && (typeof pause !== 'object' || pause === null || Object.keys(pause).some((k) => k !== 'seconds'))) throw invalid(`strategy.steps.${i}.pause`, 'a pause is { seconds? }');
    });
  }
  switch (s.type) {
    case 'rolling':
      if (!isInt(s.maxSurge, 0, 1000)) throw invalid('strategy.maxSurge', 'maxSurge must be an integer from 0 to 1000');
      if (!isInt(s.maxUnavailable, 0, 1000)) throw invalid('strategy.maxUnavailable', 'maxUnavailable must be an integer from 0 to 1000');
      if (s.maxSurge === 0 && s.maxUnavailable === 0) throw invalid('strategy.maxSurge', 'maxSurge and maxUnavailable cannot both be 0: the rollout could never move');
      return s;
    case 'blue-green':
      if (typeof s.autoPromote !== 'boolean') throw invalid('strategy.autoPromote', 'autoPromote must be true or false');
      if (!isInt(s.previewSeconds, 0, MAX_PAUSE_SECONDS)) throw invalid('strategy.previewSeconds', `previewSeconds must be an integer from 0 to ${MAX_PAUSE_SECONDS}`);
      return s;
    case 'canary': {
      if (!Array.isArray(s.steps) || s.steps.length === 0 || s.steps.length > MAX_CANARY_STEPS) throw invalid('strategy.steps', `a canary needs 1 to ${MAX_CANARY_STEPS} steps`);
      let last = 0;
      s.steps.forEach((step, i) => {
        if ('setWeight' in step) {
          if (!isInt(step.setWeight, 1, 100)) throw invalid(`strategy.steps.${i}.setWeight`, 'setWeight must be an integer from 1 to 100');
          if (step.setWeight <= last) throw invalid(`strategy.steps.${i}.setWeight`, `weights must increase: ${step.setWeight} follows ${last}`);
          last = step.setWeight;
        } else if ('pause' in step) {
          const seconds = step.pause?.seconds;
          if (seconds !== undefined && !isInt(seconds, 1, MAX_PAUSE_SECONDS)) throw invalid(`strategy.steps.${i}.pause.seconds`, `a pause lasts 1 to ${MAX_PAUSE_SECONDS} seconds (a day), or until promoted without seconds`);
        } else {
          throw invalid(`strategy.steps.${i}`, 'a step is { setWeight } or { pause: { seconds? } }');
        }
      });
      if (!s.steps.some((step) => 'setWeight' in step)) throw invalid('strategy.steps', 'a canary needs at least one setWeight step');
      return s;
    }
    default:
      throw invalid('strategy.type', `strategy type must be one of ${STRATEGY_TYPES.join(', ')}`);
  }
}

export type StepAction = 'apply' | 'set-weight' | 'pause' | 'promote' | 'scale-down-old';

/** One step of a rollout plan: what runs after it, and whether the health gate is judged then. */
export interface RolloutStep {
  index: number;
  action: StepAction;
  /** Traffic to the new revision after the step, in percent. */
  weight: number;
  newReplicas: number;
  oldReplicas: number;
  /** For a pause: how long (null: until promoted). */
  pauseSeconds: number | null;
  /** The health gate of the new revision must pass before the next step. */
  verify: boolean;
}

const step = (index: number, action: StepAction, weight: number, newReplicas: number, oldReplicas: number, verify: boolean, pauseSeconds: number | null = null): RolloutStep => ({
  index,
  action,
  weight,
  newReplicas,
  oldReplicas,
  pauseSeconds,
  verify,
});

/**
 * The steps that take a service from what runs (`oldReplicas` of the previous revision, 0 for a first
 * deployment) to `replicas` of the new revision under `strategy`. A first deployment has nothing to
 * protect: it is one `apply` of every replica, verified, whatever the strategy.
 *
 * - rolling: batches of `maxSurge + maxUnavailable` new replicas, each taking as many old ones away
 *   (up first by the surge, then down), so at most `replicas + maxSurge` run at once;
 * - blue-green: the new colour at full size with no traffic (preview, verified), a pause of
 *   `previewSeconds` (or until promoted), the switch of all traffic (verified), then the old colour
 *   scaled to zero: `2 × replicas` run at once;
 * - canary: each `setWeight` runs `ceil(replicas × weight / 100)` canary replicas beside the full old
 *   revision (verified), each pause holds; a last step promotes to 100 % and removes the old revision.
 */
export function planRollout(strategy: RolloutStrategy, replicas: number, oldReplicas: number): RolloutStep[] {
  if (!isInt(replicas, 1, 100_000)) throw new Error(`planRollout: replicas must be a positive integer, not ${replicas}`);
  if (oldReplicas === 0) return [step(0, 'apply', 100, replicas, 0, true)];
  switch (strategy.type) {
    case 'rolling': {
      const batch = Math.max(1, strategy.maxSurge + strategy.maxUnavailable);
      const steps: RolloutStep[] = [];
      let fresh = 0;
      while (fresh < replicas) {
        fresh = Math.min(replicas, fresh + batch);
        const old = fresh === replicas ? 0 : Math.max(0, Math.min(oldReplicas, replicas - fresh));
        steps.push(step(steps.length, 'set-weight', Math.round((100 * fresh) / replicas), fresh, old, true));
      }
      return steps;
    }
    case 'blue-green':
      return [
        step(0, 'apply', 0, replicas, oldReplicas, true),
        step(1, 'pause', 0, replicas, oldReplicas, false, strategy.autoPromote ? strategy.previewSeconds : null),
        step(2, 'promote', 100, replicas, oldReplicas, true),
        step(3, 'scale-down-old', 100, replicas, 0, false),
      ];
    case 'canary': {
      const steps: RolloutStep[] = [];
      let weight = 0;
      let canary = 0;
      for (const s of strategy.steps) {
        if ('setWeight' in s) {
          weight = s.setWeight;
          if (weight === 100) break;
          canary = Math.max(1, Math.ceil((replicas * weight) / 100));
          steps.push(step(steps.length, 'set-weight', weight, canary, oldReplicas, true));
        } else {
          steps.push(step(steps.length, 'pause', weight, canary, oldReplicas, false, s.pause?.seconds ?? null));
        }
      }
      steps.push(step(steps.length, 'promote', 100, replicas, 0, true));
      return steps;
    }
  }
}

/** The most replicas of the service that run at once during the plan (what quotas must allow). */
export const peakReplicas = (plan: RolloutStep[], oldReplicas: number): number =>
  Math.max(oldReplicas, ...plan.map((s) => s.newReplicas + s.oldReplicas), ...plan.map((s, i) => s.newReplicas + (i === 0 ? oldReplicas : plan[i - 1].oldReplicas)));
