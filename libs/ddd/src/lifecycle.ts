import { InvalidStateTransitionError } from './domain-error';

/**
 * One action of a lifecycle: the states it may start from, and the state it leads to (none: it keeps
 * the state). `G` is what a guard looks at besides the state (e.g. the aggregate's operation in flight).
 */
export interface Transition<S extends string, G = never> {
  from: readonly S[];
  to?: S;
  /** How the refusal names the action: "Tenant cannot {describe} while suspended". */
  describe: string;
  /** A refusal worded for one state it may not start from, where `describe` would not tell the caller enough. */
  refusals?: Partial<Record<S, string>>;
  /** A further condition, checked once the state allows the action; when false the action is refused like from a wrong state. */
  guard?: (subject: G) => boolean;
}

/**
 * An aggregate's lifecycle as a transition table, the one place `invalid_state_transition` comes from:
 * for every action, the states it may start from, the guard it must pass and the state it leads to. An
 * aggregate asks the table instead of writing its own `if (state !== …) throw`, so its rules read as
 * data, can be listed (e.g. for what an API may offer next) and are tested once here.
 */
export class Lifecycle<S extends string, A extends string, G = never> {
  constructor(
    /** The aggregate's name in refusals ("Tenant", "Environment"). */
    readonly aggregate: string,
    private readonly transitions: Readonly<Record<A, Transition<S, G>>>,
  ) {}

  /** Whether `action` may start from `state` (and, for a guarded action, with `subject`). */
  allows(state: S, action: A, subject?: G): boolean {
    const t = this.transitions[action];
    if (!t.from.includes(state)) return false;
    if (!t.guard) return true;
    if (subject === undefined) throw new Error(`${this.aggregate} lifecycle: ${action} is guarded, so it needs the subject its guard looks at`);
    return t.guard(subject);
  }

  /**
   * The state `action` leads to from `state` (the same state for an action that keeps it); refuses with
   * `InvalidStateTransitionError` when the action may not start there or its guard says no. `shown` is
   * how the refusal names the current state, when the aggregate knows it more precisely than the state alone.
   */
  next(state: S, action: A, shown: string = state, subject?: G): S {
    const t = this.transitions[action];
    if (!this.allows(state, action, subject)) throw new InvalidStateTransitionError(this.aggregate, shown, t.refusals?.[state] ?? t.describe);
    return t.to ?? state;
  }

  /** The actions that may start from `state` (with `subject`, for guarded ones), in the order the table declares them. */
  actionsFrom(state: S, subject?: G): A[] {
    return (Object.keys(this.transitions) as A[]).filter((a) => this.allows(state, a, subject));
  }
}
