import { AggregateRoot, DomainEvent } from '@rcp/ddd';
import { AuditEntry, AuditWriter } from './audit-writer';
import { AggregateRepository, ChangeHandler } from './change-handler';
import { AuditedCommand, UnauditedCommand } from './command-audit';
import { TransactionManager } from './transaction-manager';
import { AuditNote, unchanged, Unchanged, UnitOfWork } from './unit-of-work';

class Painted extends DomainEvent {
  readonly name = 'WidgetPainted';
}

class Widget extends AggregateRoot<string, Painted> {
  constructor(
    id: string,
    version: number,
    readonly projectId: string,
    public colour: string,
  ) {
    super(id, version);
  }

  paint(colour: string): boolean {
    if (colour === this.colour) return false;
    this.colour = colour;
    this.record(new Painted(this.id, {}, new Date(0)));
    return true;
  }
}

@AuditedCommand<PaintWidgetCommand>({ action: 'widget.{how}', targetType: 'widget', targetId: (c) => c.id, details: (c) => ({ colour: c.colour }) })
class PaintWidgetCommand {
  readonly how = 'paint';
  constructor(
    readonly id: string,
    readonly colour: string,
    readonly expectedVersion?: number,
    readonly projects?: string[],
  ) {}
}

class PaintWidgetHandler extends ChangeHandler<PaintWidgetCommand, Widget, string, { colour: string; version: number }> {
  constructor(uow: UnitOfWork, repo: AggregateRepository<Widget>) {
    super(uow, repo, 'Widget');
  }

  protected target(c: PaintWidgetCommand) {
    return { id: c.id, expectedVersion: c.expectedVersion, visible: (w: Widget) => !c.projects || c.projects.includes(w.projectId) };
  }

  protected apply(w: Widget, c: PaintWidgetCommand, note: AuditNote): string | Unchanged<string> {
    note.tenantId = 'tenant-of-widget';
    return w.paint(c.colour) ? 'painted' : unchanged('already');
  }

  protected answer(w: Widget, _: PaintWidgetCommand, applied: string, changed: boolean) {
    return { colour: `${w.colour} (${applied}${changed ? '' : ', unchanged'})`, version: w.version };
  }
}

/** A unit of work over fakes: a "transaction" runs the work directly; audit rows are collected. */
function setUp() {
  const rows: AuditEntry[] = [];
  const saved: Widget[] = [];
  const tx = { run: (fn: (m: unknown) => unknown) => fn({}), inTransaction: () => true, notedProject: () => null } as unknown as TransactionManager;
  const audit = { write: async (e: AuditEntry) => void rows.push(e) } as unknown as AuditWriter;
  const uow = new UnitOfWork(tx, audit);
  const widget = new Widget('w1', 3, 'web', 'red');
  const repo: AggregateRepository<Widget> = { findById: async (id) => (id === 'w1' ? widget : null), save: async (w) => void saved.push(w) };
  return { rows, saved, uow, handler: new PaintWidgetHandler(uow, repo) };
}

describe('ChangeHandler and UnitOfWork.run', () => {
  it('loads, applies, saves and answers, with the one audit row the command declares', async () => {
    const { rows, saved, handler } = setUp();
    await expect(handler.execute(new PaintWidgetCommand('w1', 'blue', 3))).resolves.toEqual({ colour: 'blue (painted)', version: 3 });
    expect(saved).toHaveLength(1);
    expect(rows).toEqual([
      { action: 'widget.paint', targetType: 'widget', targetId: 'w1', result: 'allowed', tenantId: 'tenant-of-widget', projectId: null, details: { colour: 'blue' } },
    ]);
  });

  it('answers unchanged without a save or an audit row', async () => {
    const { rows, saved, handler } = setUp();
    await expect(handler.execute(new PaintWidgetCommand('w1', 'red'))).resolves.toEqual({ colour: 'red (already, unchanged)', version: 3 });
    expect(saved).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('refuses an absent or out-of-scope aggregate as not_found and a stale If-Match as version_conflict, saving nothing', async () => {
    const { rows, saved, handler } = setUp();
    await expect(handler.execute(new PaintWidgetCommand('w2', 'blue'))).rejects.toMatchObject({ code: 'not_found', message: 'Widget w2 was not found' });
    await expect(handler.execute(new PaintWidgetCommand('w1', 'blue', undefined, ['api']))).rejects.toMatchObject({ code: 'not_found', message: 'Widget w1 was not found' });
    await expect(handler.execute(new PaintWidgetCommand('w1', 'blue', 2))).rejects.toMatchObject({ code: 'version_conflict', details: { expected: 2, actual: 3 } });
    expect(saved).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('refuses to run a command that declares no audit', async () => {
    @UnauditedCommand('it only calls out')
    class PingWidgetCommand {}
    class SpinWidgetCommand {}
    const { uow } = setUp();
    await expect(uow.run(new PingWidgetCommand(), async () => 1)).rejects.toThrow('PingWidgetCommand declares no audit');
    await expect(uow.run(new SpinWidgetCommand(), async () => 1)).rejects.toThrow('SpinWidgetCommand declares no audit');
  });
});
