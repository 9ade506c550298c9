import { Inject, Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { QueryResult } from 'typeorm/query-runner/QueryResult';
import { RequestContexts, Actor } from '@rcp/observability';
import { releaseConnection } from './database';
import { APP_DB_ROLE } from './db-roles';
import { inlineParams, Statement } from './inline-sql';
import { rowsOf } from './pg-errors';

/**
 * Whose rows a transaction may see: one tenant's (`tenantId`, on the tenant login), or every tenant's
 * (`platform`: platform tokens and system work, on the system login).
 */
export interface DbScope {
  tenantId: string | null;
  platform: boolean;
}

interface TxStore {
  manager: EntityManager;
  /** The transaction's connection (for its driver's `escapeLiteral`). */
  client: PoolClient;
  /**
   * `BEGIN` and the scope, not sent yet: they go in the same message as the transaction's first
   * statement (see `run`), saving a round trip. Cleared once sent.
   */
  pendingOpen?: string;
  scope: DbScope;
  afterCommit: Array<() => unknown>;
  /** Plain SQL sent in the same message as COMMIT, before it (see `beforeCommit`). */
  beforeCommit?: string[];
  /** Projects whose aggregates this transaction saved (see `noteProject`). */
  projects?: Set<string>;
}

/** Where a transaction's after-commit hooks and deferred writes stood (`hookMark`), to drop what came after. */
export interface HookMark {
  after: number;
  before: number;
}

/** A query runner whose transaction this class marks active itself (it opens it with its own statement). */
type OwnTransactionRunner = Omit<QueryRunner, 'isTransactionActive'> & { isTransactionActive: boolean };

export interface RunOptions {
  /**
   * Longest the work may take. Past it the transaction is cut off (its backend terminated, its
   * connection destroyed) and `run` rejects with `TransactionTimeoutError`.
   */
  timeoutMs?: number;
  /**
   * Called when the time is up, instead of cutting the work off at once: it must call `cutOff` (which
   * terminates the work's backend) and may do what has to happen around it (e.g. take a lock first).
   */
  onTimeout?: (cutOff: () => Promise<void>) => Promise<void>;
  /**
   * Plain SQL (no parameters: values inlined by the caller, who must make them safe) sent in the same
   * message as `BEGIN`, saving a round trip on hot paths. Given the connection's client, so a caller can
   * tell whether it already prepared a statement there. The rows of each of its statements reach
   * `work` as its second argument.
   */
  openWith?: (client: object) => string;
}

interface QueryResultLike {
  rows?: Array<Record<string, unknown>>;
}

/** One statement's result as `pg` answers it. */
interface PgResultLike {
  command: string;
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** A transaction's work took longer than its `timeoutMs`; nothing of it committed. */
export class TransactionTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the transaction's work took longer than ${timeoutMs} ms and was cut off`);
    this.name = 'TransactionTimeoutError';
  }
}

/**
 * A nested `run` asked for a scope other than its outer transaction's. A nested run joins the outer
 * transaction, whose role and tenant are set once when it opens: honouring the request would need a
 * transaction of its own, and ignoring it would run the work with rights it did not ask for.
 */
export class NestedScopeError extends Error {
  constructor(
    readonly requested: DbScope,
    readonly outer: DbScope,
  ) {
    super(
      `a nested transaction asked for scope ${describeScope(requested)} inside a transaction of scope ${describeScope(outer)}: ` +
        'a nested run joins the outer transaction and cannot change its scope; run the work in the outer scope, or outside the transaction',
    );
    this.name = 'NestedScopeError';
  }
}

const describeScope = (s: DbScope) => `{ tenantId: ${s.tenantId === null ? 'null' : `'${s.tenantId}'`}, platform: ${s.platform} }`;

const sameScope = (a: DbScope, b: DbScope) => a.platform === b.platform && (a.tenantId ?? null) === (b.tenantId ?? null);

/**
 * Narrows the current platform transaction (on the system login) to the tenant its `rcp.tenant_id`
 * names, for part of its work: role `rcp_app` for the rest of the transaction (`SET LOCAL`), so the
 * tenant policies hold that work to the tenant's rows as they hold a tenant's own transaction. Does
 * nothing when no tenant is set. One statement, no parameters. Send it after a SAVEPOINT: rolling back
 * to that savepoint widens the transaction again, as {@link WIDEN_TO_PLATFORM_SQL} does. Tell the
 * transaction manager with {@link TransactionManager.narrowed}. The system login may widen again with a
 * statement of its own: this guards against work that forgets whose rows it may touch, not against
 * work that means to leave its scope.
 */
export const NARROW_TO_TENANT_SQL = `SELECT set_config('role', '${APP_DB_ROLE}', true) WHERE current_setting('rcp.tenant_id', true) <> ''`;

/** Gives a narrowed transaction its platform rights back (for the bookkeeping after the narrowed work). */
export const WIDEN_TO_PLATFORM_SQL = 'SET LOCAL ROLE NONE';

/** DI token of the DataSource connected as the tenant login (the default DataSource is the system login's). */
export const TENANT_DATA_SOURCE = Symbol('TENANT_DATA_SOURCE');

/** Derives the row-level security scope from the acting principal. */
export function scopeOf(actor: Actor | undefined): DbScope {
  if (!actor) return { tenantId: null, platform: false };
  if (actor.kind === 'system') return { tenantId: actor.tenantId, platform: true };
  const platform = actor.roles.some((r) => r.startsWith('platform:'));
  return { tenantId: actor.tenantId, platform: platform && !actor.tenantId };
}

/**
 * Runs work in one Postgres transaction held in AsyncLocalStorage, so every repository in the call chain
 * shares it without passing it around. The scope picks the connection: a tenant's work runs on the tenant
 * login, which switches to the `rcp_app` role and sets the tenant for row-level security (`SET LOCAL`, so
 * nothing leaks to the next user of the pooled connection); platform and system work runs on the system
 * login. Neither login can leave its scope with a statement of its own (`RESET ROLE`, `SET ROLE`, a
 * setting): being platform is a property of the login, not of the session. Nested calls join the outer
 * transaction; one that names a scope must name the outer one (`NestedScopeError` otherwise), so no
 * work runs with other rights than it asked for. Hooks registered with `afterCommit` run only once the commit succeeded (e.g. enqueueing a
 * BullMQ job or waking the relay).
 */
@Injectable()
export class TransactionManager {
  private readonly storage = new AsyncLocalStorage<TxStore>();

  constructor(
    /** The system login's pool (platform scope). */
    readonly dataSource: DataSource,
    /** The tenant login's pool (tenant scope). */
    @Inject(TENANT_DATA_SOURCE) readonly tenantDataSource: DataSource,
  ) {}

  /**
   * Any failure, at any point (the opening statement, the work, COMMIT), is followed by a ROLLBACK, so
   * the connection goes back to the pool idle; a connection whose ROLLBACK failed too is in an unknown
   * state and is destroyed instead (the pool opens a fresh one). A connection Postgres closed while the
   * transaction was open (an idle-in-transaction timeout, a terminated backend) surfaces as that
   * closing error rather than as TypeORM's "query runner already released".
   */
  async run<T>(
    work: (manager: EntityManager, opened: Array<Array<Record<string, unknown>>>) => Promise<T>,
    scope?: DbScope,
    options: RunOptions = {},
  ): Promise<T> {
    const outer = this.storage.getStore();
    if (outer) {
      if (options.openWith) throw new Error('openWith needs a transaction of its own, not a nested one');
      if (scope && !sameScope(scope, outer.scope)) throw new NestedScopeError(scope, outer.scope);
      return work(outer.manager, []);
    }
    const effective = scope ?? scopeOf(RequestContexts.current()?.actor);
    const runner = (effective.platform ? this.dataSource : this.tenantDataSource).createQueryRunner() as OwnTransactionRunner;
    const client = (await runner.connect()) as PoolClient;
    let lost: Error | undefined;
    const onLost = (err: Error) => (lost ??= err);
    client.on('error', onLost);
    const store: TxStore = { manager: runner.manager, client, scope: effective, afterCommit: [] };
    let broken: Error | undefined;
    try {
      // Active from before BEGIN is sent: if the opening statement fails part-way (cancelled, timed out),
      // the transaction block may be open and aborted, and only a ROLLBACK makes the connection usable.
      runner.isTransactionActive = true;
      const deferred = options.openWith ? undefined : this.deferredOpen(effective);
      let opened: Array<Array<Record<string, unknown>>> = [];
      if (deferred) this.openWithFirstStatement(runner, store, deferred);
      else opened = await this.begin(runner, client, effective, options.openWith?.(client));
      const working = this.storage.run(store, () => work(runner.manager, opened));
      const result = options.timeoutMs ? await this.within(working, options, runner, (err) => (broken = err)) : await working;
      if (store.pendingOpen && !store.beforeCommit?.length) {
        // The work sent nothing: there is no transaction to commit.
        store.pendingOpen = undefined;
      } else if (store.beforeCommit?.length) await this.sendOnClient(store, `${store.beforeCommit.join('; ')}; COMMIT`);
      else await runner.query('COMMIT');
      runner.isTransactionActive = false;
      for (const hook of store.afterCommit) {
        try {
          await hook();
        } catch {
          /* after-commit hooks are hints (enqueue, wake); sweepers repair what they miss */
        }
      }
      return result;
    } catch (err) {
      if (runner.isTransactionActive && !broken && !store.pendingOpen) {
        runner.isTransactionActive = false;
        await runner.query('ROLLBACK').catch((e: Error) => (broken = e));
      }
      throw lost && (err instanceof QueryRunnerAlreadyReleasedError || err instanceof QueryRunnerProviderAlreadyReleasedError) ? lost : err;
    } finally {
      runner.isTransactionActive = false;
      client.off('error', onLost);
      await releaseConnection(runner as QueryRunner, broken ?? lost);
    }
  }

  /**
   * Waits for the transaction's work at most `timeoutMs`. When the time is up the work is cut off where
   * it stands: its backend is terminated from another connection (so a statement it is waiting on ends
   * and its locks go at once; the transaction rolls back), the connection is destroyed instead of
   * returning to the pool, and the caller gets a `TransactionTimeoutError`. The work's own promise may
   * still settle later; nothing it does can commit any more. Terminating needs the system login's
   * rights over the backend, so it works for platform-scope transactions (the tenant login's backends
   * are only closed from this side and end when Postgres notices).
   */
  private async within<T>(working: Promise<T>, options: RunOptions, runner: QueryRunner, markBroken: (err: Error) => void): Promise<T> {
    const ms = options.timeoutMs!;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), ms)));
    try {
      const outcome = await Promise.race([working, expired]);
      if (outcome !== 'expired') return outcome as T;
    } finally {
      clearTimeout(timer);
    }
    working.catch(() => undefined);
    const err = new TransactionTimeoutError(ms);
    markBroken(err);
    const pid = (runner as unknown as { databaseConnection?: { processID?: number } }).databaseConnection?.processID;
    const cutOff = async () => {
      // Waits (up to 2 s) until the backend is gone, so its locks are released when this returns.
      if (pid) await this.dataSource.query('SELECT pg_terminate_backend($1, 2000)', [pid]).catch(() => undefined);
    };
    if (options.onTimeout) await options.onTimeout(cutOff);
    else await cutOff();
    throw err;
  }

  /** `BEGIN` and the scope as one plain statement, when the tenant id can be inlined as it stands; undefined otherwise. */
  private deferredOpen(scope: DbScope): string | undefined {
    const tenant = scope.tenantId ?? '';
    if (!/^[A-Za-z0-9_.:-]{0,128}$/.test(tenant)) return undefined;
    const role = scope.platform ? '' : `set_config('role', '${APP_DB_ROLE}', true), `;
    return `BEGIN; SELECT ${role}set_config('rcp.tenant_id', '${tenant}', true)`;
  }

  /**
   * Sends `BEGIN` and the scope with the transaction's first statement, in one simple-protocol message
   * (its parameters inlined by the driver's `escapeLiteral`), instead of a round trip of their own: every
   * transaction then costs one round trip fewer. The runner's `query` answers that statement's result as
   * TypeORM's would (rows, `[rows, count]` for UPDATE and DELETE, or the structured result), and its
   * failure as TypeORM's `QueryFailedError`. A statement that cannot be inlined (comments, dollar
   * quoting) is sent after the opening, as before.
   */
  private openWithFirstStatement(runner: OwnTransactionRunner, store: TxStore, open: string): void {
    store.pendingOpen = open;
    const plain = runner.query.bind(runner) as (query: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
    (runner as unknown as { query: typeof plain }).query = async (query, parameters, structured) => {
      if (!store.pendingOpen) return plain(query, parameters, structured);
      let text: string;
      try {
        text = inlineParams(query, parameters, (v) => store.client.escapeLiteral(v));
      } catch {
        await this.sendOnClient(store, '');
        return plain(query, parameters, structured);
      }
      let raw: PgResultLike;
      try {
        const results = (await this.sendOnClient(store, text)) as PgResultLike[];
        raw = results[results.length - 1];
      } catch (err) {
        throw new QueryFailedError(query, parameters, err as Error);
      }
      const result = new QueryResult();
      result.records = raw.rows ?? [];
      result.affected = raw.rowCount ?? undefined;
      result.raw = raw.command === 'UPDATE' || raw.command === 'DELETE' ? [raw.rows, raw.rowCount] : raw.rows;
      return structured ? result : result.raw;
    };
  }

  /**
   * Sends `text` on the transaction's connection, preceded by the opening when it is still pending (in
   * the same message); answers the results of `text`'s statements only.
   */
  private async sendOnClient(store: TxStore, text: string): Promise<unknown[]> {
    const open = store.pendingOpen;
    if (!open) {
      const r = (await store.client.query(text)) as unknown;
      return Array.isArray(r) ? r : [r];
    }
    store.pendingOpen = undefined;
    const r = (await store.client.query(text ? `${open}; ${text}` : open)) as unknown as unknown[];
    return r.slice(2);
  }

  /**
   * Opens the transaction and sets role and tenant in one round trip (a multi-statement simple query):
   * on this kind of machine every round trip to Postgres is a costly syscall, and this runs for every
   * request. Values are inlined only when they are plain identifiers; anything else goes the
   * parameterised way. The system login needs no role switch: its privileges are the platform role's.
   */
  private async begin(runner: QueryRunner, client: PoolClient, scope: DbScope, openWith?: string): Promise<Array<Array<Record<string, unknown>>>> {
    const tenant = scope.tenantId ?? '';
    const role = scope.platform ? '' : `set_config('role', '${APP_DB_ROLE}', true), `;
    if (/^[A-Za-z0-9_.:-]{0,128}$/.test(tenant)) {
      const open = `BEGIN; SELECT ${role}set_config('rcp.tenant_id', '${tenant}', true)`;
      if (!openWith) {
        await runner.query(open);
        return [];
      }
      const results = (await client.query(`${open}; ${openWith}`)) as unknown as QueryResultLike[];
      return results.slice(2).map((r) => r.rows ?? []);
    }
    await runner.query('BEGIN');
    await runner.query(`SELECT ${role}set_config('rcp.tenant_id', $1, true)`, [tenant]);
    if (!openWith) return [];
    const results = (await client.query(openWith)) as unknown as QueryResultLike | QueryResultLike[];
    return (Array.isArray(results) ? results : [results]).map((r) => r.rows ?? []);
  }


  /**
   * Runs `work` in the current platform transaction as narrowed to `scope` (a tenant's) with
   * {@link NARROW_TO_TENANT_SQL}: while it runs, the transaction's scope is `scope`, so a nested run that
   * names a scope must name that one (`NestedScopeError` otherwise). Widening again is the caller's.
   */
  async narrowed<T>(scope: DbScope, work: () => Promise<T>): Promise<T> {
    const store = this.storage.getStore();
    if (!store) throw new Error('narrowed outside a transaction');
    if (!store.scope.platform || scope.platform || !scope.tenantId) throw new NestedScopeError(scope, store.scope);
    const outer = store.scope;
    store.scope = scope;
    try {
      return await work();
    } finally {
      store.scope = outer;
    }
  }

  /**
   * Read-only statements in the caller's scope, in ONE round trip to Postgres: a simple-protocol message
   * `SELECT <role and tenant, set_config(…, true)>; <statements>`. Postgres runs such a message as one
   * implicit transaction, so the scope lasts exactly as long as the statements and nothing is left on
   * the pooled connection; row-level security holds them as it holds any transaction of the scope.
   * Parameters are inlined as literals by the driver's own `escapeLiteral` ({@link inlineParams}). No
   * BEGIN, no COMMIT, no TypeORM query runner: the hot reads (a resource, a page, the lifecycle gate)
   * cost one round trip. Inside a transaction the statements join it, sent together in one message too.
   * Answers the rows of each statement, in order.
   */
  async readInOneTrip(statements: readonly Statement[], scope?: DbScope): Promise<Array<Array<Record<string, unknown>>>> {
    const outer = this.storage.getStore();
    if (outer) {
      if (scope && !sameScope(scope, outer.scope)) throw new NestedScopeError(scope, outer.scope);
      if (statements.length === 1) return [rowsOf<Record<string, unknown>>(await outer.manager.query(statements[0].sql, statements[0].params as unknown[] | undefined))];
      // Several statements: one message on the transaction's connection, so one round trip still.
      const escape = (text: string) => outer.client.escapeLiteral(text);
      const results = (await this.sendOnClient(outer, statements.map((st) => inlineParams(st.sql, st.params, escape)).join('; '))) as QueryResultLike[];
      return results.map((r) => r.rows ?? []);
    }
    const effective = scope ?? scopeOf(RequestContexts.current()?.actor);
    const pool = poolOf(effective.platform ? this.dataSource : this.tenantDataSource);
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const escape = (text: string) => client.escapeLiteral(text);
      const role = effective.platform ? '' : `set_config('role', '${APP_DB_ROLE}', true), `;
      const text = [`SELECT ${role}set_config('rcp.tenant_id', ${escape(effective.tenantId ?? '')}, true)`, ...statements.map((st) => inlineParams(st.sql, st.params, escape))].join('; ');
      const results = (await client.query(text)) as unknown as QueryResultLike[];
      return results.slice(1).map((r) => r.rows ?? []);
    } catch (err) {
      // A statement's error ends the implicit transaction (rolled back) with the message: the connection
      // is clean. Only a connection-level failure (no SQLSTATE) is destroyed instead of pooled.
      if (!(err as { code?: string }).code) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Read-only convenience: same scoping, for queries. */
  read<T>(work: (manager: EntityManager) => Promise<T>, scope?: DbScope): Promise<T> {
    return this.run(work, scope);
  }

  /** The manager of the current transaction; throws outside one (repositories must never run bare). */
  manager(): EntityManager {
    const store = this.storage.getStore();
    if (!store) throw new Error('No transaction in progress: wrap the call in TransactionManager.run or UnitOfWork');
    return store.manager;
  }

  /** Whether the caller runs inside a transaction (a unit of work retries only a transaction it owns). */
  inTransaction(): boolean {
    return !!this.storage.getStore();
  }

  /**
   * Records that this transaction changed something of a project (the aggregate store calls it for
   * every aggregate it saves), so the unit of work can file its audit row under that project.
   */
  noteProject(projectId: string | null | undefined): void {
    const store = this.storage.getStore();
    if (store && projectId) (store.projects ??= new Set()).add(projectId);
  }

  /** The one project this transaction's saves concerned; null for none or for several. */
  notedProject(): string | null {
    const projects = this.storage.getStore()?.projects;
    return projects?.size === 1 ? [...projects][0] : null;
  }

  /**
   * Plain SQL (no parameters) to run just before this transaction's COMMIT, in the same message: the
   * last writes of a hot path without a round trip of their own. Throws outside a transaction.
   */
  beforeCommit(sql: string): void {
    const store = this.storage.getStore();
    if (!store) throw new Error('beforeCommit outside a transaction');
    (store.beforeCommit ??= []).push(sql);
  }

  /**
   * A write whose result nobody reads (an outbox append, an audit row) sent with this transaction's
   * COMMIT instead of on its own: its parameters are inlined with the connection's `escapeLiteral`
   * ({@link inlineParams}) and it runs, in order with the others, in the same message as COMMIT, so it
   * costs no round trip. It is part of the transaction as any statement is: if it fails, nothing
   * commits. Rolled back with a savepoint like an after-commit hook (see `hookMark`). Outside a
   * transaction it runs at once.
   */
  async deferToCommit(statement: Statement): Promise<void> {
    const store = this.storage.getStore();
    if (!store) {
      await this.dataSource.query(statement.sql, statement.params as unknown[] | undefined);
      return;
    }
    (store.beforeCommit ??= []).push(inlineParams(statement.sql, statement.params, (text) => store.client.escapeLiteral(text)));
  }

  /**
   * Sends the writes deferred so far ({@link deferToCommit}) now, in one round trip, instead of with
   * COMMIT: for work that must see its own outbox or audit rows before it commits.
   */
  async flushDeferred(): Promise<void> {
    const store = this.storage.getStore();
    if (!store?.beforeCommit?.length) return;
    const sql = store.beforeCommit.join('; ');
    store.beforeCommit = [];
    await this.sendOnClient(store, sql);
  }

  /** How many after-commit hooks and deferred writes are registered so far (see `dropHooksSince`). */
  hookMark(): HookMark {
    const store = this.storage.getStore();
    return { after: store?.afterCommit.length ?? 0, before: store?.beforeCommit?.length ?? 0 };
  }

  /** Drops the after-commit hooks and deferred writes registered since `mark` (their work was rolled back to a savepoint). */
  dropHooksSince(mark: HookMark): void {
    const store = this.storage.getStore();
    if (!store) return;
    store.afterCommit.length = Math.min(store.afterCommit.length, mark.after);
    if (store.beforeCommit) store.beforeCommit.length = Math.min(store.beforeCommit.length, mark.before);
  }

  afterCommit(hook: () => unknown): void {
    const store = this.storage.getStore();
    if (!store) {
      void Promise.resolve().then(hook).catch(() => undefined);
      return;
    }
    store.afterCommit.push(hook);
  }

  /** Savepoint around part of a transaction; hooks registered inside are dropped if it rolls back. */
  async savepoint<T>(name: string, work: () => Promise<T>): Promise<T> {
    const store = this.storage.getStore();
    if (!store) throw new Error('savepoint outside a transaction');
    const mark = this.hookMark();
    await store.manager.query(`SAVEPOINT ${name}`);
    try {
      const r = await work();
      await store.manager.query(`RELEASE SAVEPOINT ${name}`);
      return r;
    } catch (err) {
      await store.manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      this.dropHooksSince(mark);
      throw err;
    }
  }
}

/** The `pg` pool under a TypeORM Postgres DataSource (its driver's master pool). */
function poolOf(ds: DataSource): Pool {
  return (ds.driver as unknown as { master: Pool }).master;
}
