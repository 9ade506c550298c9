import { Injectable, Module } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { HandlesJob, JobHandler, JobInfo, JobRunner, JobsService } from '@rcp/jobs';
import { DeliveryWorker, IntegrationEvent, OutboxRelay, OutboxWriter, PublishedEvent } from '@rcp/messaging';
import { RequestContexts } from '@rcp/observability';
import { DbScope, NestedScopeError, PlatformScope, TransactionManager } from '@rcp/persistence';
import { startTestApp } from '@rcp/testing';
import { tenantIsolation } from '../../../migrations/rls';

jest.setTimeout(60_000);

const PLATFORM: DbScope = { tenantId: null, platform: true };

/**
 * Issue 9, "tenant scope on every path", the worker side: an event handler runs in its event's tenant
 * scope and a job in its job's, so row-level security holds them to that tenant's rows as it holds a
 * request of the tenant's token; a platform event or job, and a handler declared `@PlatformScope`,
 * see every tenant's rows. The delivery's and the job's own bookkeeping (platform tables) keeps working
 * in the same transaction.
 */

interface TouchData {
  /** The tenant whose notes the handler tries to change (its own, or another's). */
  target: string;
  /** Also try to insert a note for `target` (refused by row-level security for another tenant). */
  insert?: boolean;
  /** The one handler (class name) that acts on this event; the others of the event ignore it. */
  for: string;
}

@PublishedEvent({
  type: 'rcp.scopetest.notes-touched.v1',
  description: 'Test-only: a handler is asked to read and change notes.',
  schema: { type: 'object', required: ['target', 'for'], properties: { target: { type: 'string' }, insert: { type: 'boolean' }, for: { type: 'string' } } },
})
class NotesTouched extends IntegrationEvent<TouchData> {}

/** What one run saw and did. */
interface Observation {
  /** `rcp.tenant_id` and the role in effect while the handler ran. */
  tenant: string;
  role: string;
  /** Tenants whose notes the handler could read. */
  visible: string[];
  /** Notes of `target` it changed. */
  updated: number;
  /** In a tenant's scope: a nested run naming that scope joined, and one naming the platform was refused. */
  nested?: { own: 'joined' | unknown; platform: 'refused' | unknown };
  actorProjects?: string[];
}

/** Reads every note it may, changes the target tenant's notes, and records what it saw. */
async function touch(tx: TransactionManager, scope: DbScope, data: TouchData, by: string): Promise<Observation> {
  const m = tx.manager();
  const [{ tenant, role }] = await m.query(`SELECT current_setting('rcp.tenant_id', true) AS tenant, current_user AS role`);
  const visible = (await m.query(`SELECT DISTINCT tenant_id FROM scope_test.notes ORDER BY 1`)).map((r: { tenant_id: string }) => r.tenant_id);
  const [, updated] = (await m.query(`UPDATE scope_test.notes SET body = $2 WHERE tenant_id = $1`, [data.target, `touched by ${by}`])) as [unknown, number];
  let nested: Observation['nested'];
  if (!scope.platform) {
    const outcome = (s: DbScope) => tx.run(async () => 'joined', s).catch((e: unknown) => (e instanceof NestedScopeError ? 'refused' : String(e)));
    nested = { own: await outcome(scope), platform: await outcome(PLATFORM) };
  }
  if (data.insert) await m.query(`INSERT INTO scope_test.notes (id, tenant_id, body) VALUES ($1, $2, $3)`, [randomUUID(), data.target, `inserted by ${by}`]);
  return { tenant, role, visible, updated, nested, actorProjects: RequestContexts.current()?.actor?.projectIds };
}

abstract class TouchingHandler implements IEventHandler<NotesTouched> {
  readonly seen = new Map<string, Observation>();
  constructor(private readonly tx: TransactionManager) {}

  async handle(event: NotesTouched): Promise<void> {
    if (event.data.for !== this.constructor.name) return;
    const scope: DbScope = this.constructor === AuditNotesOnNotesTouchedHandler || !event.meta?.tenantid ? PLATFORM : { tenantId: event.meta.tenantid, platform: false };
    this.seen.set(event.meta!.id, await touch(this.tx, scope, event.data, this.constructor.name));
  }
}

/** Runs in its event's tenant scope (the default). */
@EventsHandler(NotesTouched)
@Injectable()
class TouchNotesOnNotesTouchedHandler extends TouchingHandler {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

/** Declared platform-scoped: it works across tenants. */
@EventsHandler(NotesTouched)
@Injectable()
@PlatformScope('test: audits every tenant’s notes')
class AuditNotesOnNotesTouchedHandler extends TouchingHandler {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

abstract class TouchingJob implements JobHandler<TouchData> {
  readonly seen = new Map<string, Observation>();
  constructor(private readonly tx: TransactionManager) {}

  async run(payload: TouchData, job: JobInfo): Promise<void> {
    const scope: DbScope = this.constructor === AuditNotesJob || !job.tenantId ? PLATFORM : { tenantId: job.tenantId, platform: false };
    this.seen.set(job.id, await touch(this.tx, scope, payload, this.constructor.name));
  }
}

@Injectable()
@HandlesJob('scopetest.touch-notes')
class TouchNotesJob extends TouchingJob {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

@Injectable()
@HandlesJob('scopetest.audit-notes')
@PlatformScope('test: audits every tenant’s notes')
class AuditNotesJob extends TouchingJob {
  constructor(tx: TransactionManager) {
    super(tx);
  }
}

@Module({ providers: [TouchNotesOnNotesTouchedHandler, AuditNotesOnNotesTouchedHandler, TouchNotesJob, AuditNotesJob] })
class WorkerScopeTestModule {}

describe('event handlers and jobs run in their tenant scope', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let tx: TransactionManager;
  const get = <T>(cls: abstract new (...args: never[]) => T): T => t.app.get(cls as never);

  beforeAll(async () => {
    t = await startTestApp({ RCP_ROLE: 'api', DELIVERY_BACKOFF_BASE_MS: '10' }, undefined, { extraModules: [WorkerScopeTestModule] });
    tx = get(TransactionManager);
    await t.asOwner(`
      CREATE SCHEMA scope_test;
      GRANT USAGE ON SCHEMA scope_test TO rcp_app;
      CREATE TABLE scope_test.notes (id uuid PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL);
      GRANT SELECT, INSERT, UPDATE ON scope_test.notes TO rcp_app;
      ${tenantIsolation('scope_test.notes').join(';\n')};
    `);
  });
  afterAll(async () => t?.close());

  /** Two tenants of this test's own, with one note each. */
  async function twoTenants(): Promise<[string, string]> {
    const a = `a-${randomUUID().slice(0, 8)}`;
    const b = `b-${randomUUID().slice(0, 8)}`;
    await t.asOwner(`INSERT INTO scope_test.notes (id, tenant_id, body) VALUES ($1, $2, 'note'), ($3, $4, 'note')`, [randomUUID(), a, randomUUID(), b]);
    return [a, b];
  }

  const bodiesOf = async (tenant: string): Promise<string[]> =>
    (await t.asOwner(`SELECT body FROM scope_test.notes WHERE tenant_id = $1 ORDER BY body`, [tenant])).map((r: { body: string }) => r.body);

  /** Appends one event (platform scope, so any tenant's) and returns its id. */
  async function publish(tenantId: string | null, data: TouchData, projectId?: string): Promise<string> {
    const [env] = await tx.run(
      () => get(OutboxWriter).append({ aggregateType: 'Note', aggregateId: randomUUID(), aggregateVersion: 1, tenantId, projectId, events: [new NotesTouched(data)] }),
      PLATFORM,
    );
    return env.id;
  }

  /** Relays and delivers until nothing is due (failed deliveries wait for their short backoff). */
  async function deliverAll(): Promise<void> {
    await get(OutboxRelay).claimBatch();
    for (let i = 0; i < 50 && (await get(DeliveryWorker).runOnce()) > 0; i++);
  }

  const delivery = async (eventId: string, handler: string) =>
    (await t.ds.query(`SELECT state, attempts, last_error FROM platform.event_deliveries WHERE event_id = $1 AND handler = $2`, [eventId, handler]))[0] as
      | { state: string; attempts: number; last_error: string }
      | undefined;
  const inboxed = async (eventId: string, handler: string) =>
    Number((await t.ds.query(`SELECT count(*) AS n FROM platform.inbox WHERE event_id = $1 AND handler = $2`, [eventId, handler]))[0].n);

  const TOUCH = 'TouchNotesOnNotesTouchedHandler';
  const AUDIT = 'AuditNotesOnNotesTouchedHandler';
  const IN_SCOPE = { own: 'joined', platform: 'refused' };

  it("runs a tenant's event handler in that tenant's scope: it neither sees nor changes another tenant's rows", async () => {
    const [a, b] = await twoTenants();
    const id = await publish(a, { target: b, for: TOUCH }, 'project-1');
    await deliverAll();

    const seen = get(TouchNotesOnNotesTouchedHandler).seen.get(id)!;
    expect(seen).toMatchObject({ tenant: a, role: 'rcp_app', visible: [a], updated: 0, nested: IN_SCOPE, actorProjects: ['project-1'] });
    expect(await bodiesOf(b)).toEqual(['note']);
    // The bookkeeping in the same transaction: the delivery removed, its inbox row kept.
    expect(await delivery(id, TOUCH)).toBeUndefined();
    expect(await inboxed(id, TOUCH)).toBe(1);
  });

  it("lets a tenant's event handler change its own tenant's rows", async () => {
    const [a, b] = await twoTenants();
    const id = await publish(a, { target: a, insert: true, for: TOUCH });
    await deliverAll();

    expect(get(TouchNotesOnNotesTouchedHandler).seen.get(id)).toMatchObject({ tenant: a, updated: 1 });
    expect(await bodiesOf(a)).toEqual([`inserted by ${TOUCH}`, `touched by ${TOUCH}`]);
    expect(await bodiesOf(b)).toEqual(['note']);
    expect(await delivery(id, TOUCH)).toBeUndefined();
  });

  it("fails a tenant's event handler that writes another tenant's row, and records the failure", async () => {
    const [a, b] = await twoTenants();
    const id = await publish(a, { target: b, insert: true, for: TOUCH });
    await get(OutboxRelay).claimBatch();
    await get(DeliveryWorker).runOnce();

    expect(await delivery(id, TOUCH)).toMatchObject({ state: 'failed', attempts: 1, last_error: expect.stringMatching(/row-level security/) });
    expect(await inboxed(id, TOUCH)).toBe(0);
    expect(await bodiesOf(b)).toEqual(['note']);
  });

  it('runs a handler declared @PlatformScope with every tenant’s rows', async () => {
    const [a, b] = await twoTenants();
    const id = await publish(a, { target: b, insert: true, for: AUDIT }, 'project-1');
    await deliverAll();

    const seen = get(AuditNotesOnNotesTouchedHandler).seen.get(id)!;
    expect(seen).toMatchObject({ tenant: '', role: 'rcp_system', updated: 1, nested: undefined, actorProjects: undefined });
    expect(seen.visible).toEqual(expect.arrayContaining([a, b]));
    expect(await bodiesOf(b)).toEqual([`inserted by ${AUDIT}`, `touched by ${AUDIT}`]);
    expect(await delivery(id, AUDIT)).toBeUndefined();
  });

  it('runs any handler of a platform event (one without a tenant) with every tenant’s rows', async () => {
    const [a, b] = await twoTenants();
    const id = await publish(null, { target: b, for: TOUCH });
    await deliverAll();

    const seen = get(TouchNotesOnNotesTouchedHandler).seen.get(id)!;
    expect(seen).toMatchObject({ tenant: '', role: 'rcp_system', updated: 1 });
    expect(seen.visible).toEqual(expect.arrayContaining([a, b]));
    expect(await delivery(id, TOUCH)).toBeUndefined();
  });

  describe('jobs', () => {
    const enqueue = (name: string, tenantId: string | null, payload: TouchData) =>
      tx.run(() => get(JobsService).enqueue(name, payload, { tenantId, projectId: tenantId ? 'project-2' : null }), PLATFORM);
    const stateOf = async (id: string) => (await t.ds.query(`SELECT state, last_error FROM platform.jobs WHERE id = $1`, [id]))[0];

    it("runs a tenant's job in that tenant's scope, and completes it in the same transaction", async () => {
      const [a, b] = await twoTenants();
      const id = await enqueue('scopetest.touch-notes', a, { target: b, for: 'TouchNotesJob' });
      expect(await get(JobRunner).run(id)).toBe('completed');

      expect(get(TouchNotesJob).seen.get(id)).toMatchObject({ tenant: a, role: 'rcp_app', visible: [a], updated: 0, nested: IN_SCOPE, actorProjects: ['project-2'] });
      expect(await stateOf(id)).toMatchObject({ state: 'completed' });
      expect(await bodiesOf(b)).toEqual(['note']);
    });

    it("fails a tenant's job that writes another tenant's row", async () => {
      const [a, b] = await twoTenants();
      const id = await enqueue('scopetest.touch-notes', a, { target: b, insert: true, for: 'TouchNotesJob' });
      expect(await get(JobRunner).run(id)).toBe('retrying');
      expect(await stateOf(id)).toMatchObject({ state: 'retrying', last_error: expect.stringMatching(/row-level security/) });
      expect(await bodiesOf(b)).toEqual(['note']);
    });

    it('runs a job declared @PlatformScope, and a job without a tenant, with every tenant’s rows', async () => {
      const [a, b] = await twoTenants();
      const audit = await enqueue('scopetest.audit-notes', a, { target: b, for: 'AuditNotesJob' });
      const platformJob = await enqueue('scopetest.touch-notes', null, { target: a, for: 'TouchNotesJob' });
      expect(await get(JobRunner).run(audit)).toBe('completed');
      expect(await get(JobRunner).run(platformJob)).toBe('completed');

      expect(get(AuditNotesJob).seen.get(audit)).toMatchObject({ role: 'rcp_system', updated: 1, actorProjects: undefined });
      expect(get(AuditNotesJob).seen.get(audit)!.visible).toEqual(expect.arrayContaining([a, b]));
      expect(get(TouchNotesJob).seen.get(platformJob)).toMatchObject({ role: 'rcp_system', updated: 1 });
      expect(await bodiesOf(a)).toEqual([`touched by TouchNotesJob`]);
      expect(await bodiesOf(b)).toEqual([`touched by AuditNotesJob`]);
    });
  });
});
