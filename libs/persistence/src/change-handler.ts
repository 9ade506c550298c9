import { AggregateRoot, NotFoundError, VersionConflictError } from '@rcp/ddd';
import { AuditNote, Unchanged, UnitOfWork, unchanged } from './unit-of-work';

/** What the handler base needs of a repository port. */
export interface AggregateRepository<A> {
  findById(id: string): Promise<A | null>;
  save(aggregate: A): Promise<void>;
}

/** The aggregate a command changes, as the caller named it. */
export interface ChangeTarget<A> {
  id: string;
  /** From `If-Match`: a stale one is `version_conflict`. */
  expectedVersion?: number;
  /** False when the caller may not reach this aggregate (e.g. another project's): `not_found`, as if absent. */
  visible?: (aggregate: A) => boolean;
}

/**
 * The common shape of a command handler that changes one aggregate, in one audited unit of work
 * (`UnitOfWork.run`, audited as the command declares): load it for change (not found, out of scope,
 * stale If-Match), apply one domain method, save, answer. `apply` may answer {@link unchanged}: then
 * nothing is saved, no event is published and no audit row is written, and the answer is built all the same.
 *
 * ```ts
 * @CommandHandler(RetryEnvironmentCommand)
 * export class RetryEnvironmentHandler extends ChangeHandler<RetryEnvironmentCommand, RuntimeEnvironment, void, EnvironmentJobView> {
 *   protected target = (c) => environmentTarget(c.environmentId, c.scope, c.expectedVersion);
 *   protected apply(env) { env.retry(this.clock.now()); }
 *   protected async answer(env) { return { environment: environmentView(env.snapshot()), jobId: await this.scheduler.provision(env) }; }
 * }
 * ```
 */
export abstract class ChangeHandler<C extends object, A extends AggregateRoot, D, R> {
  protected constructor(
    protected readonly uow: UnitOfWork,
    protected readonly repository: AggregateRepository<A>,
    /** How `not_found` names the aggregate ("Environment"). */
    private readonly aggregateName: string,
  ) {}

  /** Which aggregate `command` changes. */
  protected abstract target(command: C): ChangeTarget<A>;

  /** Calls the domain method (noting what the audit row needs of the aggregate); `unchanged(d)` when it changed nothing. */
  protected abstract apply(aggregate: A, command: C, note: AuditNote): D | Unchanged<D> | Promise<D | Unchanged<D>>;

  /** The command's answer, after the save (`changed`) or without one; it may schedule what follows a change. */
  protected abstract answer(aggregate: A, command: C, applied: D, changed: boolean): R | Promise<R>;

  execute(command: C): Promise<R> {
    return this.uow.run(command, async (note) => {
      const aggregate = await this.load(this.target(command));
      const applied = await this.apply(aggregate, command, note);
      if (applied instanceof Unchanged) return unchanged(await this.answer(aggregate, command, applied.value, false));
      await this.repository.save(aggregate);
      return this.answer(aggregate, command, applied, true);
    });
  }

  private async load({ id, expectedVersion, visible }: ChangeTarget<A>): Promise<A> {
    const aggregate = await this.repository.findById(id);
    if (!aggregate || (visible && !visible(aggregate))) throw new NotFoundError(this.aggregateName, id);
    if (expectedVersion !== undefined && expectedVersion !== aggregate.version) throw new VersionConflictError(expectedVersion, aggregate.version);
    return aggregate;
  }
}
