import { Injectable, Module } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { HandlesJob, JobHandler, JobInfo } from '@rcp/jobs';
import { IntegrationEvent, OutboxWriter, PublishedEvent } from '@rcp/messaging';
import { Actor, RequestContexts } from '@rcp/observability';
import { TransactionManager, UnitOfWork } from '@rcp/persistence';
import { ConcurrentModificationError } from '@rcp/ddd';

/**
 * Test-only fixtures for the spine: a tiny "widget" aggregate with one event, two handlers that record
 * their effects in a table, and job handlers that count their effects. They are registered exactly the
 * way a context registers its own (discovered `@EventsHandler` / `@HandlesJob` providers) by passing
 * {@link SpineTestModule} to `startTestApp(…, { extraModules })`.
 */

export interface WidgetChangedData {
  widgetId: string;
  /** The widget's version after the change (1 for the first). */
  n: number;
  /** Marker a test can use to tell events apart (e.g. which transaction appended it). */
  label?: string;
}

/** The one event of the test aggregate. */
@PublishedEvent({
  type: 'rcp.spinetest.widget-changed.v1',
  description: 'Test-only: a widget changed.',
  schema: {
    type: 'object',
    required: ['widgetId', 'n'],
    properties: { widgetId: { type: 'string' }, n: { type: 'integer' }, label: { type: 'string' } },
  },
})
export class WidgetChanged extends IntegrationEvent<WidgetChangedData> {}

/** Creates the tables the fixtures write to, in the test's own database (`owner`: a connection as the owner). */
export async function createSpineTestTables(owner: { query(sql: string): Promise<unknown> }): Promise<void> {
  await owner.query(`
    CREATE SCHEMA IF NOT EXISTS spine_test;
    GRANT USAGE ON SCHEMA spine_test TO rcp_app;
    CREATE TABLE IF NOT EXISTS spine_test.widgets (id text PRIMARY KEY, version integer NOT NULL, name text NOT NULL);
    CREATE TABLE IF NOT EXISTS spine_test.effects (
      id bigserial PRIMARY KEY, handler text NOT NULL, event_id uuid NOT NULL, aggregate_id text NOT NULL,
      n integer NOT NULL, label text, position bigint, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS spine_test.job_effects (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, attempt integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS spine_test.job_transitions (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, state text NOT NULL, attempts integer NOT NULL);
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA spine_test TO rcp_app;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA spine_test TO rcp_app;
    CREATE OR REPLACE FUNCTION spine_test.record_job_transition() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO spine_test.job_transitions (job_id, state, attempts) VALUES (NEW.id, NEW.state, NEW.attempts);
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS record_job_transition ON platform.jobs;
    CREATE TRIGGER record_job_transition AFTER INSERT OR UPDATE ON platform.jobs
      FOR EACH ROW EXECUTE FUNCTION spine_test.record_job_transition();
  `);
}

/** A tenant user acting through the API, for commands run outside HTTP. */
export const TEST_ACTOR: Actor = { sub: 'user@tenant-a', kind: 'user', tenantId: 'tenant-a', roles: ['tenant:admin'] };

/** Runs `fn` as if inside an HTTP request of {@link TEST_ACTOR}. */
export function asTenantUser<T>(fn: () => Promise<T>): Promise<T> {
  return RequestContexts.run({ correlationId: `test-${Date.now()}`, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', actor: TEST_ACTOR }, fn);
}

export interface ChangeWidget {
  widgetId: string;
  /** The version the caller loaded (0: the widget is new). */
  expectedVersion: number;
  label?: string;
  /** Throw after the row and the event were written (to prove the rollback). */
  failAfterAppend?: boolean;
  /** Awaited after the event is appended, before the transaction commits. */
  beforeCommit?: () => Promise<void>;
}

/**
 * The shape of every command in the product: one unit of work that saves the aggregate with a version
 * check (0 rows → concurrent modification), appends its event to the outbox and writes the audit row.
 * Returns the widget's new version.
 */
export async function changeWidget(deps: { uow: UnitOfWork; tx: TransactionManager; outbox: OutboxWriter }, cmd: ChangeWidget): Promise<number> {
  const next = cmd.expectedVersion + 1;
  return deps.uow.execute({ action: 'widget.change', targetType: 'widget', targetId: cmd.widgetId }, async () => {
    const m = deps.tx.manager();
    if (cmd.expectedVersion === 0) {
      await m.query(`INSERT INTO spine_test.widgets (id, version, name) VALUES ($1, 1, $2)`, [cmd.widgetId, cmd.label ?? 'w']);
    } else {
      const [, affected] = (await m.query(`UPDATE spine_test.widgets SET version = $3, name = $4 WHERE id = $1 AND version = $2`, [
        cmd.widgetId,
        cmd.expectedVersion,
        next,
        cmd.label ?? 'w',
      ])) as [unknown, number];
      if (affected !== 1) throw new ConcurrentModificationError('Widget', cmd.widgetId);
    }
    await deps.outbox.append({
      aggregateType: 'Widget',
      aggregateId: cmd.widgetId,
      aggregateVersion: next,
      tenantId: TEST_ACTOR.tenantId,
      events: [new WidgetChanged({ widgetId: cmd.widgetId, n: next, label: cmd.label })],
    });
    if (cmd.beforeCommit) await cmd.beforeCommit();
    if (cmd.failAfterAppend) throw new Error('command failed after writing state and event');
    return next;
  });
}

/**
 * A handler whose behaviour a test steers: it writes its effect row, then fails while `shouldFail`
 * says so (so the effect of a failed attempt must be rolled back), and counts every call.
 */
abstract class RecordingHandler implements IEventHandler<WidgetChanged> {
  /** Every event this handler was called with, in call order (attempts included). */
  readonly calls: WidgetChanged[] = [];
  /** Decides whether this call fails; the default never fails. */
  shouldFail: (event: WidgetChanged, callNo: number) => boolean = () => false;
  /** Awaited before the effect is written (lets a test hold a delivery mid-flight). */
  pause?: (event: WidgetChanged) => Promise<void>;
  /** Awaited after the effect is written, before the delivery commits (a crash window). */
  afterEffect?: (event: WidgetChanged) => Promise<void>;

  constructor(private readonly tx: TransactionManager) {}

  reset(): void {
    this.calls.length = 0;
    this.shouldFail = () => false;
    this.pause = undefined;
    this.afterEffect = undefined;
  }

  async handle(event: WidgetChanged): Promise<void> {
    this.calls.push(event);
    const callNo = this.calls.length;
    if (this.pause) await this.pause(event);
    await this.tx
      .manager()
      .query(`INSERT INTO spine_test.effects (handler, event_id, aggregate_id, n, label, position) VALUES ($1, $2, $3, $4, $5, $6)`, [
        this.constructor.name,
        event.meta!.id,
        event.data.widgetId,
        event.data.n,
        event.data.label ?? null,
        event.meta!.position ?? null,
      ]);
    if (this.afterEffect) await this.afterEffect(event);
    if (this.shouldFail(event, callNo)) throw new Error(`${this.constructor.name} failed on purpose (call ${callNo})`);
  }
}

/** Keeps a projection of widgets (test handler #1). */
@EventsHandler(WidgetChanged)
@Injectable()
export class ProjectWidgetOnWidgetChangedHandler extends RecordingHandler {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

/** Notifies someone about widgets (test handler #2). */
@EventsHandler(WidgetChanged)
@Injectable()
export class NotifyOnWidgetChangedHandler extends RecordingHandler {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

export interface FlakyJobPayload {
  /** Attempts 1..failTimes fail. */
  failTimes: number;
  /** Milliseconds the job works before writing its effect. */
  workMs?: number;
}

/** A job that fails its first `failTimes` attempts; its effect is one row of `spine_test.job_effects`. */
@Injectable()
@HandlesJob('spinetest.flaky')
export class FlakyJobHandler implements JobHandler<FlakyJobPayload> {
  constructor(private readonly tx: TransactionManager) {}

  async run(payload: FlakyJobPayload, job: JobInfo): Promise<{ attempt: number }> {
    if (payload.workMs) await new Promise((r) => setTimeout(r, payload.workMs));
    await this.tx.manager().query(`INSERT INTO spine_test.job_effects (job_id, attempt) VALUES ($1, $2)`, [job.id, job.attempt]);
    if (job.attempt <= payload.failTimes) throw new Error(`flaky job failed on purpose (attempt ${job.attempt})`);
    return { attempt: job.attempt };
  }
}

/** The spine's test-only events, handlers and jobs as one module. */
@Module({ providers: [ProjectWidgetOnWidgetChangedHandler, NotifyOnWidgetChangedHandler, FlakyJobHandler] })
export class SpineTestModule {}
