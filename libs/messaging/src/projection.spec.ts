import 'reflect-metadata';
import { EVENTS_HANDLER_METADATA } from '@nestjs/cqrs/dist/decorators/constants';
import { EntityManager } from 'typeorm';
import { TransactionManager } from '@rcp/persistence';
import { IntegrationEvent } from './integration-event';
import { On, Projection, ReadModel, ReadModelTable, readModelOf, sourceVersionOf } from './projection';

class Opened extends IntegrationEvent<{ id: string }> {}
class Closed extends IntegrationEvent<{ id: string }> {}
class Unrelated extends IntegrationEvent<{ id: string }> {}

const withVersion = <E extends IntegrationEvent>(e: E, aggregateversion: unknown): E => {
  e.meta = { aggregateversion } as never;
  return e;
};

/** A manager that records the statements instead of running them. */
function recorder() {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const db = { query: async (sql: string, params: unknown[] = []) => void calls.push({ sql: sql.replace(/\s+/g, ' ').trim(), params }) } as unknown as EntityManager;
  return { db, calls };
}

const ROWS = new ReadModelTable<{ id: string; tenantId: string; state: string; terms: object }>({ table: 'ctx.rows', key: ['id'], json: ['terms'], versioned: true });
const FLAGS = new ReadModelTable<{ a: string; b: string; enabled: boolean }>({ table: 'ctx.flags', key: ['a', 'b'], versioned: false });

describe('ReadModelTable', () => {
  it('upserts with the version guard, JSON for json columns, and only the declared names in the SQL', async () => {
    const { db, calls } = recorder();
    await ROWS.upsert(db, { id: 'x', tenantId: 't', state: "o'pen", terms: { a: [1] } }, 7);
    expect(calls).toEqual([
      {
        sql:
          'INSERT INTO ctx.rows (id, tenant_id, state, terms, source_version) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET ' +
          'tenant_id = EXCLUDED.tenant_id, state = EXCLUDED.state, terms = EXCLUDED.terms, source_version = EXCLUDED.source_version, updated_at = now() ' +
          'WHERE ctx.rows.source_version <= EXCLUDED.source_version',
        params: ['x', 't', "o'pen", '{"a":[1]}', 7],
      },
    ]);
  });

  it('patches only the given columns, guarded by the same version parameter it sets', async () => {
    const { db, calls } = recorder();
    await ROWS.patch(db, { id: 'x' }, { state: 'closed', terms: undefined }, 9);
    expect(calls).toEqual([
      { sql: 'UPDATE ctx.rows SET state = $1, source_version = $3, updated_at = now() WHERE id = $2 AND source_version <= $3', params: ['closed', 'x', 9] },
    ]);
  });

  it('refuses a versioned write that does not say its version, a delete that matches everything, and a patch of a partial key', async () => {
    const { db, calls } = recorder();
    await expect(ROWS.upsert(db, { id: 'x', tenantId: 't', state: 's', terms: {} })).rejects.toThrow(/versioned/);
    await expect(ROWS.patch(db, { id: 'x' }, { state: 's' })).rejects.toThrow(/versioned/);
    await expect(FLAGS.delete(db, {})).rejects.toThrow(/must match something/);
    await expect(FLAGS.patch(db, { a: '1' }, { enabled: true })).rejects.toThrow(/whole key \(missing b\)/);
    expect(calls).toEqual([]);
  });

  it('writes an unversioned table as it comes, and deletes by a prefix of the key', async () => {
    const { db, calls } = recorder();
    await FLAGS.upsert(db, { a: '1', b: '2', enabled: true });
    await FLAGS.insertIfAbsent(db, { a: '1', b: '3', enabled: false });
    await FLAGS.delete(db, { a: '1' });
    expect(calls.map((c) => c.sql)).toEqual([
      'INSERT INTO ctx.flags (a, b, enabled) VALUES ($1, $2, $3) ON CONFLICT (a, b) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()',
      'INSERT INTO ctx.flags (a, b, enabled) VALUES ($1, $2, $3) ON CONFLICT (a, b) DO NOTHING',
      'DELETE FROM ctx.flags WHERE a = $1',
    ]);
  });
});

describe('@ReadModel projections', () => {
  @ReadModel({ name: 'ctx.rows', tables: [ROWS] })
  class RowsProjection extends Projection {
    seen: string[] = [];

    @On(Opened)
    async opened(e: Opened): Promise<void> {
      this.seen.push(`opened ${e.data.id} v${sourceVersionOf(e)}`);
    }

    @On(Closed)
    async closed(e: Closed): Promise<void> {
      this.seen.push(`closed ${e.data.id}`);
    }
  }

  it('subscribes to the event types of its @On methods, once each, and declares its tables', () => {
    expect(Reflect.getMetadata(EVENTS_HANDLER_METADATA, RowsProjection)).toEqual([Opened, Closed]);
    expect(readModelOf(RowsProjection)).toEqual({ name: 'ctx.rows', tables: [ROWS], events: [Opened, Closed] });
    expect(readModelOf(class NotOne {})).toBeUndefined();
  });

  it('hands each event to the method declared for its type', async () => {
    const p = new RowsProjection({} as TransactionManager);
    await p.handle(withVersion(new Opened({ id: 'a' }), 3));
    await p.handle(new Closed({ id: 'a' }));
    expect(p.seen).toEqual(['opened a v3', 'closed a']);
    await expect(p.handle(new Unrelated({ id: 'a' }))).rejects.toThrow(/no @On method for Unrelated/);
  });

  it('refuses to guard by a version an event does not carry', async () => {
    const p = new RowsProjection({} as TransactionManager);
    await expect(p.handle(new Opened({ id: 'a' }))).rejects.toThrow(/no aggregate version/);
    await expect(p.handle(withVersion(new Opened({ id: 'a' }), Number('x')))).rejects.toThrow(/no aggregate version/);
  });

  it('refuses a read model without @On methods, and an event type applied twice', () => {
    expect(() => {
      @ReadModel({ name: 'ctx.empty', tables: [] })
      class Empty extends Projection {}
      return Empty;
    }).toThrow(/without @On methods/);
    expect(() => {
      class Twice extends Projection {
        @On(Opened) async a(_e: Opened): Promise<void> {}
        @On(Opened) async b(_e: Opened): Promise<void> {}
      }
      return Twice;
    }).toThrow(/applies Opened twice/);
    expect(() => {
      class TwiceInOne extends Projection {
        @On(Opened, Closed, Opened) async a(_e: Opened | Closed): Promise<void> {}
      }
      return TwiceInOne;
    }).toThrow(/applies Opened twice/);
    expect(() => {
      class None extends Projection {
        @On() async a(_e: Opened): Promise<void> {}
      }
      return None;
    }).toThrow(/at least one event type/);
  });

  it('applies several event types with one method, subscribing to each', async () => {
    @ReadModel({ name: 'ctx.moves', tables: [ROWS] })
    class MovesProjection extends Projection {
      seen: string[] = [];
      @On(Opened, Closed)
      async moved(e: Opened | Closed): Promise<void> {
        this.seen.push(`${e.constructor.name} ${e.data.id}`);
      }
    }
    expect(readModelOf(MovesProjection)?.events).toEqual([Opened, Closed]);
    const p = new MovesProjection({} as TransactionManager);
    await p.handle(new Opened({ id: 'a' }));
    await p.handle(new Closed({ id: 'a' }));
    expect(p.seen).toEqual(['Opened a', 'Closed a']);
  });
});
