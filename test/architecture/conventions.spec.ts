import 'reflect-metadata';
import { Controller, Delete, Get, Post, RequestMethod, SetMetadata } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { CommandHandler, EventsHandler, QueryHandler } from '@nestjs/cqrs';
import { COMMAND_HANDLER_METADATA, EVENTS_HANDLER_METADATA, QUERY_HANDLER_METADATA } from '@nestjs/cqrs/dist/decorators/constants';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AUDIT_KEY, Audited, Mutation, MUTATION_COMMAND_KEY } from '@rcp/auth';
import { EventCatalogue, IntegrationEvent, PublishedEvent } from '@rcp/messaging';
import { AuditedCommand, commandAuditOf, UnauditedCommand } from '@rcp/persistence';

const ROOT = join(__dirname, '..', '..');

/** Files under `dir` (relative to the repository) whose names end with `suffix`. */
function filesEndingWith(dir: string, suffix: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f))
    .sort();
}

type Exports = Record<string, unknown>;
const load = (file: string): Exports => require(join(ROOT, file)) as Exports;
const classes = (exports: Exports) => Object.values(exports).filter((v): v is new (...a: never[]) => unknown => typeof v === 'function');
const kebab = (pascal: string) => pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
/** A verb and a noun at least: `OnboardTenant`, `StartOperationAttempt`, `ListEnvironments`. */
const VERB_NOUN = /^[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+$/;

/**
 * The handler conventions of the code base, as problems found in one `*.handler.ts` file:
 * - a command handler is `<Verb><Noun>Handler` for `<Verb><Noun>Command`, in `application/commands/<verb-noun>/<verb-noun>.handler.ts`;
 * - a query handler is `<Verb><Noun>Handler` for `<Verb><Noun>Query`, in `application/queries/<verb-noun>/<verb-noun>.handler.ts`;
 * - an event handler is `<Action>On<Event>Handler`, named after the one event it handles (without its
 *   version: `ClearInventoryOnEnvironmentDecommissionedHandler`) or, for several events of one context,
 *   `<Action>On<Context>EventsHandler`; it lives in `application/event-handlers/<action>-on-<event>.handler.ts`.
 */
function handlerProblems(file: string, exports: Exports): string[] {
  const out: string[] = [];
  let handlers = 0;
  for (const cls of classes(exports)) {
    const command = Reflect.getMetadata(COMMAND_HANDLER_METADATA, cls) as { name: string } | undefined;
    const query = Reflect.getMetadata(QUERY_HANDLER_METADATA, cls) as { name: string } | undefined;
    const events = Reflect.getMetadata(EVENTS_HANDLER_METADATA, cls) as { name: string }[] | undefined;
    const request = command ? { of: command, kind: 'Command', folder: 'commands' } : query ? { of: query, kind: 'Query', folder: 'queries' } : undefined;
    if (request) {
      handlers++;
      const base = request.of.name.replace(new RegExp(`${request.kind}$`), '');
      if (!request.of.name.endsWith(request.kind) || !VERB_NOUN.test(base)) out.push(`${cls.name}: ${request.of.name} is not <Verb><Noun>${request.kind}`);
      if (cls.name !== `${base}Handler`) out.push(`${cls.name}: handles ${request.of.name}, so must be ${base}Handler`);
      const path = `application/${request.folder}/${kebab(base)}/${kebab(base)}.handler.ts`;
      if (!file.endsWith(path)) out.push(`${cls.name}: must live in ${path}`);
    } else if (events) {
      handlers++;
      const m = /^([A-Z][a-z]+(?:[A-Z][a-z0-9]*)*)On([A-Z][A-Za-z0-9]*)Handler$/.exec(cls.name);
      const contexts = [...new Set(events.map((e) => EventCatalogue.ofClass(e).context))];
      const expected = events.length === 1 ? events[0].name.replace(/V[0-9]+$/, '') : contexts.length === 1 ? `${contexts[0][0].toUpperCase()}${contexts[0].slice(1)}Events` : undefined;
      if (!expected) out.push(`${cls.name}: handles events of several contexts (${contexts.join(', ')}); write one handler per context`);
      else if (!m || m[2] !== expected) out.push(`${cls.name}: must be <Action>On${expected}Handler`);
      const path = `application/event-handlers/${kebab(cls.name.replace(/Handler$/, ''))}.handler.ts`;
      if (!file.endsWith(path)) out.push(`${cls.name}: must live in ${path}`);
    }
  }
  if (handlers === 0) out.push(`${file}: declares no command, query or event handler`);
  return out;
}

const MUTATING = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);

/** Routes that change state (POST, PUT, PATCH, DELETE) without an `@Audited('<target>.<verb>', ...)`. */
function unauditedRoutes(controller: new (...a: never[]) => unknown): string[] {
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof proto[name] === 'function')
    .filter((name) => MUTATING.has(Reflect.getMetadata(METHOD_METADATA, proto[name] as object)))
    .filter((name) => {
      const audit = Reflect.getMetadata(AUDIT_KEY, proto[name] as object) as { action?: string; targetType?: string } | undefined;
      return !audit?.action || !/^[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)*$/.test(audit.action) || !audit.targetType;
    })
    .map((name) => `${controller.name}.${name}`);
}

type Class = new (...a: never[]) => unknown;

/** Command classes of a `*.command.ts` file that declare neither `@AuditedCommand` nor `@UnauditedCommand('why')`. */
function unauditedCommands(exports: Exports): string[] {
  return classes(exports)
    .filter((c) => c.name.endsWith('Command'))
    .filter((c) => {
      const audit = commandAuditOf(c);
      return !audit || (audit.unaudited === undefined ? !audit.action || !audit.targetType : !audit.unaudited.trim());
    })
    .map((c) => c.name);
}

/** `@Mutation` routes whose command declares no audit (`@Mutation` refuses one when it is applied; this names the route). */
function mutationsWithoutCommandAudit(controller: Class): string[] {
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof proto[name] === 'function')
    .filter((name) => {
      const command = Reflect.getMetadata(MUTATION_COMMAND_KEY, proto[name] as object) as Class | undefined;
      if (!command) return false;
      const audit = commandAuditOf(command);
      return !audit || audit.unaudited !== undefined;
    })
    .map((name) => `${controller.name}.${name}`);
}

describe('conventions of the code base', () => {
  const handlerFiles = [...filesEndingWith('src/contexts', '.handler.ts'), ...filesEndingWith('src/access', '.handler.ts')];
  const controllerFiles = [...filesEndingWith('src', '.controller.ts'), ...filesEndingWith('libs', '.controller.ts')];

  it('handlers are named and placed as the code base names them', () => {
    expect(handlerFiles.length).toBeGreaterThan(20);
    expect(handlerFiles.flatMap((f) => handlerProblems(relative(ROOT, join(ROOT, f)), load(f)))).toEqual([]);
  });

  it('the naming check refuses a misnamed command, query or event handler', () => {
    class RenameTenantCommand {}
    @CommandHandler(RenameTenantCommand)
    class TenantRenamer {}
    class TenantsQuery {}
    @QueryHandler(TenantsQuery)
    class TenantsHandler {}
    @PublishedEvent({ type: 'rcp.billing.invoice-paid.v1', description: 'fixture', schema: { type: 'object' } })
    class InvoicePaidV1 extends IntegrationEvent {}
    @EventsHandler(InvoicePaidV1)
    class InvoicePaidHandler {}
    @EventsHandler(InvoicePaidV1)
    class SuspendOnInvoicePaidHandler {}

    expect(handlerProblems('src/contexts/tenancy/application/commands/rename-tenant/rename-tenant.handler.ts', { TenantRenamer })).toEqual([
      'TenantRenamer: handles RenameTenantCommand, so must be RenameTenantHandler',
    ]);
    expect(handlerProblems('src/contexts/tenancy/application/queries/tenants/tenants.handler.ts', { TenantsHandler })).toEqual([
      'TenantsHandler: TenantsQuery is not <Verb><Noun>Query',
    ]);
    expect(handlerProblems('src/contexts/tenancy/application/event-handlers/invoice-paid.handler.ts', { InvoicePaidHandler })).toEqual([
      'InvoicePaidHandler: must be <Action>OnInvoicePaidHandler',
    ]);
    expect(handlerProblems('src/contexts/tenancy/application/commands/suspend.handler.ts', { SuspendOnInvoicePaidHandler })).toEqual([
      'SuspendOnInvoicePaidHandler: must live in application/event-handlers/suspend-on-invoice-paid.handler.ts',
    ]);
    expect(handlerProblems('src/contexts/tenancy/application/event-handlers/suspend-on-invoice-paid.handler.ts', { SuspendOnInvoicePaidHandler })).toEqual([]);
    expect(handlerProblems('src/contexts/tenancy/application/commands/x/x.handler.ts', { helper: () => 1 })).toEqual([
      'src/contexts/tenancy/application/commands/x/x.handler.ts: declares no command, query or event handler',
    ]);
  });

  const controllers = () => controllerFiles.flatMap((f) => classes(load(f)).filter((c) => Reflect.getMetadata('path', c) !== undefined));

  it('every mutating route declares its audit action and target', () => {
    expect(controllers().length).toBeGreaterThanOrEqual(8);
    expect(controllers().flatMap(unauditedRoutes)).toEqual([]);
  });

  it('every command declares its audit on its class, and every @Mutation sends a command that does', () => {
    const commandFiles = [...filesEndingWith('src/contexts', '.command.ts'), ...filesEndingWith('src/access', '.command.ts')];
    expect(commandFiles.length).toBeGreaterThanOrEqual(12);
    expect(commandFiles.flatMap((f) => unauditedCommands(load(f)))).toEqual([]);
    const mutations = controllers().flatMap((c) => Object.getOwnPropertyNames(c.prototype).filter((n) => Reflect.getMetadata(MUTATION_COMMAND_KEY, (c.prototype as Record<string, object>)[n]) !== undefined));
    expect(mutations.length).toBeGreaterThanOrEqual(7);
    expect(controllers().flatMap(mutationsWithoutCommandAudit)).toEqual([]);
  });

  it('the command audit check refuses a command without a declaration, and @Mutation refuses to send one', () => {
    @AuditedCommand<PaintWidgetCommand>({ action: 'widget.paint', targetType: 'widget', targetId: (c) => c.id })
    class PaintWidgetCommand {
      constructor(readonly id: string) {}
    }
    @UnauditedCommand('it only calls out')
    class PingWidgetCommand {}
    class SpinWidgetCommand {}
    @UnauditedCommand(' ')
    class HideWidgetCommand {}
    expect(unauditedCommands({ PaintWidgetCommand, PingWidgetCommand, SpinWidgetCommand, HideWidgetCommand })).toEqual(['SpinWidgetCommand', 'HideWidgetCommand']);

    const spec = { roles: ['platform:admin' as const], status: 200 as const, response: { type: Object, description: 'x' }, problems: [] };
    expect(() => Mutation({ ...spec, command: SpinWidgetCommand })).toThrow('SpinWidgetCommand declares no audit');
    expect(() => Mutation({ ...spec, command: PingWidgetCommand })).toThrow('PingWidgetCommand declares no audit');

    @Controller('widgets')
    class WidgetsController {
      @Post(':id/paint')
      @Mutation({ ...spec, command: PaintWidgetCommand, param: { name: 'id' } })
      paint() {}
      @Post(':id/spin')
      @Audited('widget.spin', 'widget')
      @SetMetadata(MUTATION_COMMAND_KEY, SpinWidgetCommand)
      spin() {}
    }
    expect(Reflect.getMetadata(AUDIT_KEY, WidgetsController.prototype.paint)).toEqual({ action: 'widget.paint', targetType: 'widget', targetParam: 'id' });
    expect(mutationsWithoutCommandAudit(WidgetsController)).toEqual(['WidgetsController.spin']);
  });

  it('the audit check refuses a mutating route without @Audited, and ignores reads', () => {
    @Controller('widgets')
    class WidgetsController {
      @Get()
      list() {}
      @Post()
      @Audited('widget.create', 'widget')
      create() {}
      @Delete(':id')
      remove() {}
      @Post(':id/spin')
      @Audited('Spin', 'widget')
      spin() {}
    }
    expect(unauditedRoutes(WidgetsController)).toEqual(['WidgetsController.remove', 'WidgetsController.spin']);
  });
});
