import { Injectable, Logger } from '@nestjs/common';
import { withSpan } from '@rcp/observability';
import { AuditWriter } from './audit-writer';
import { CommandAuditSpec, auditAction, requireCommandAudit } from './command-audit';
import { isSerializationFailure, pgCode } from './pg-errors';
import { TransactionManager } from './transaction-manager';

/** Attempts of a command whose transaction Postgres aborted as a deadlock victim or serialization failure. */
export const COMMAND_ATTEMPTS = 3;

export interface UnitOfWorkSpec<T> {
  /** Audit action, e.g. `tenant.suspend`. */
  action: string;
  targetType: string;
  targetId?: string | null | ((result: T) => string | null);
  /** Tenant the audit row belongs to when it is not the actor's (platform actions on a tenant). */
  tenantId?: string | null;
  /**
   * Project the audit row belongs to. Defaults to the project of the aggregates the work saved (when
   * they all belong to one), so a token limited to that project sees the row.
   */
  projectId?: string | null;
  details?: Record<string, unknown>;
}

/** What a handler learns while it works and the audit row needs (e.g. the tenant of the aggregate it loaded). */
export interface AuditNote {
  tenantId?: string | null;
  projectId?: string | null;
  /** Values for the declared action's `{field}` placeholders that the command does not carry. */
  vars?: Record<string, string>;
}

/** A command's answer when it changed nothing: the unit of work commits no audit row for it. */
export class Unchanged<T> {
  constructor(readonly value: T) {}
}

/** Answers `value` without a change: no save, no event, no audit row. */
export const unchanged = <T>(value: T): Unchanged<T> => new Unchanged(value);

/**
 * One command, one transaction: the aggregate's state (saved with a version check by its repository),
 * its events (appended to the outbox by the same repository) and one `allowed` audit row commit together
 * or not at all. If the work throws, everything is rolled back; the HTTP layer then writes the `denied`
 * or `failed` audit row in its own transaction.
 *
 * A transaction that Postgres aborts as a deadlock victim (40P01) or for a serialization failure (40001)
 * did nothing, and running it again usually succeeds: the command is run again from the start (its work
 * reloads what it changes), up to {@link COMMAND_ATTEMPTS} times with a short random pause. Only the
 * outermost transaction retries; a unit of work that joins a caller's transaction (an event handler's,
 * a job's) leaves the retry to that caller (a delivery or job retry).
 *
 * With tracing on, each command is a span (`command <CommandClass>`, or `command <action>` for
 * `execute`) around all its attempts, a child of the request, delivery or job that ran it; the events
 * it appends and the jobs it enqueues name it (or its outbox append) as their parent.
 */
@Injectable()
export class UnitOfWork {
  private readonly log = new Logger('UnitOfWork');

  constructor(
    private readonly tx: TransactionManager,
    private readonly audit: AuditWriter,
  ) {}

  execute<T>(spec: UnitOfWorkSpec<T>, work: () => Promise<T>): Promise<T> {
    return withSpan(`command ${spec.action}`, { 'rcp.audit.action': spec.action }, () => this.retrying(spec.action, () => this.once(work, () => spec)));
  }

  /**
   * Runs `command`'s work audited as its class declares (`@AuditedCommand`). The work may note what the
   * row needs from what it loaded, and may answer {@link unchanged}: then it commits without an audit row.
   */
  async run<C extends object, T>(command: C, work: (note: AuditNote) => Promise<T | Unchanged<T>>): Promise<T> {
    const audit = requireCommandAudit(command.constructor as new () => C);
    const name = command.constructor.name;
    return withSpan(`command ${name}`, { 'rcp.command': name, 'rcp.audit.action': audit.action }, () => this.runAudited(command, audit, work));
  }

  private runAudited<C extends object, T>(command: C, audit: CommandAuditSpec<unknown, unknown>, work: (note: AuditNote) => Promise<T | Unchanged<T>>): Promise<T> {
    return this.retrying(audit.action, async () => {
      const note: AuditNote = {};
      const answer = await this.once(
        () => work(note),
        (result): UnitOfWorkSpec<T | Unchanged<T>> | null =>
          result instanceof Unchanged
            ? null
            : {
                action: auditAction(audit.action, { ...command, ...note.vars }),
                targetType: audit.targetType,
                targetId: audit.targetId?.(command, result as T) ?? null,
                tenantId: note.tenantId !== undefined ? note.tenantId : audit.tenantId?.(command),
                projectId: note.projectId,
                details: audit.details?.(command),
              },
      );
      return answer instanceof Unchanged ? answer.value : answer;
    });
  }

  /**
   * Runs `transaction` (which opens its own transaction) again when Postgres aborted it as a deadlock
   * victim or for a serialization failure. Inside a caller's transaction it runs once: that transaction is aborted
   * and only its owner can start over.
   */
  private async retrying<T>(what: string, transaction: () => Promise<T>): Promise<T> {
    if (this.tx.inTransaction()) return transaction();
    for (let attempt = 1; ; attempt++) {
      try {
        return await transaction();
      } catch (err) {
        if (!isSerializationFailure(err) || attempt >= COMMAND_ATTEMPTS) throw err;
        this.log.warn(`${what}: transaction aborted by Postgres (${pgCode(err)}), running it again (attempt ${attempt + 1} of ${COMMAND_ATTEMPTS})`);
        await new Promise((r) => setTimeout(r, Math.round(5 + Math.random() * 20 * attempt)));
      }
    }
  }

  /** Runs `work` in a transaction with the audit row `specOf` its result asks for (none: no row). */
  private once<T>(work: () => Promise<T>, specOf: (result: T) => UnitOfWorkSpec<T> | null): Promise<T> {
    return this.tx.run(async (manager) => {
      const result = await work();
      const spec = specOf(result);
      if (!spec) return result;
      const targetId = typeof spec.targetId === 'function' ? spec.targetId(result) : spec.targetId;
      await this.audit.write(
        {
          action: spec.action,
          targetType: spec.targetType,
          targetId,
          result: 'allowed',
          tenantId: spec.tenantId,
          projectId: spec.projectId !== undefined ? spec.projectId : this.tx.notedProject(),
          details: spec.details,
        },
        manager,
      );
      return result;
    });
  }
}
