import { InvalidStateTransitionError } from './domain-error';

/** One action of a lifecycle: the states it may start from, and the state it leads to (none: it keeps the state). */
export interface Transition<S extends string> {
  from: readonly S[];
  to?: S;
  /** How the refusal names the action: "Tenant cannot {describe} while suspended". */
  describe: string;
}

/**
 * An aggregate's lifecycle as a transition table, the one place `invalid_state_transition` comes from:
 * for every action, the states it may start from and the state it leads to. An aggregate asks the table
 * instead of writing its own `if (state !== …) throw`, so its rules read as data, can be listed (e.g.
 * for what an API may offer next) and are tested once here.
 */
export class Lifecycle<S extends string, A extends string> {
  constructor(
    /** The aggregate's name in refusals ("Tenant", "Environment"). */
    readonly aggregate: string,
    private readonly transitions: Readonly<Record<A, Transition<S>>>,
  ) {}

  allows(state: S, action: A): boolean {
    return this.transitions[action].from.includes(state);
  }

  /**
   * The state `action` leads to from `state` (the same state for an action that keeps it); refuses with
   * `InvalidStateTransitionError` when the action may not start there. `shown` is how the refusal names
   * the current state, when the aggregate knows it more precisely than the state alone.
   */
  next(state: S, action: A, shown: string = state): S {
    const t = this.transitions[action];
    if (!t.from.includes(state)) throw new InvalidStateTransitionError(this.aggregate, shown, t.describe);
    return t.to ?? state;
  }

  /** The actions that may start from `state`, in the order the table declares them. */
  actionsFrom(state: S): A[] {
    return (Object.keys(this.transitions) as A[]).filter((a) => this.allows(state, a));
  }
}
