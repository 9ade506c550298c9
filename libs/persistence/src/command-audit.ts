import 'reflect-metadata';

const COMMAND_AUDIT = 'rcp:command-audit';

/** A command class (its constructor's arguments do not matter here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandClass<C = any> = abstract new (...args: any[]) => C;

/**
 * How a command is audited, declared once on the command class with {@link AuditedCommand}: the unit
 * of work writes its `allowed` row from it (`UnitOfWork.run`), and `@Mutation({ command })` the
 * `denied`/`failed` rows of a refused HTTP call.
 */
export interface CommandAuditSpec<C, R = unknown> {
  /**
   * `<target>.<verb>`. `{field}` placeholders are filled from the command's fields, or from what the
   * handler notes (`AuditNote.vars`) or the route names (`Mutation`'s `commandFields`), e.g. `tenant.{action}`.
   */
  action: string;
  targetType: string;
  /** The target's id, from the command or, for a command that creates it, from the result. */
  targetId?: (command: C, result: R) => string | null | undefined;
  /** Tenant the row belongs to when it is not the actor's (platform actions on a tenant). */
  tenantId?: (command: C) => string | null;
  details?: (command: C) => Record<string, unknown>;
}

/** What a command's audit declaration says, with the command's type erased. */
export type CommandAudit = CommandAuditSpec<never, never> & { unaudited?: string };

/** Declares how a command is audited (see {@link CommandAuditSpec}). */
export function AuditedCommand<C, R = unknown>(spec: CommandAuditSpec<C, R>) {
  return (cls: CommandClass<C>): void => Reflect.defineMetadata(COMMAND_AUDIT, spec, cls);
}

/** Declares that a command writes no audit row, and why (it changes no aggregate, e.g. it only calls out). */
export function UnauditedCommand(why: string) {
  return (cls: CommandClass): void => Reflect.defineMetadata(COMMAND_AUDIT, { unaudited: why }, cls);
}

/** The audit declaration of a command class, if it has one. */
export function commandAuditOf(cls: CommandClass): CommandAudit | undefined {
  return Reflect.getMetadata(COMMAND_AUDIT, cls) as CommandAudit | undefined;
}

/** The declaration of an audited command class; throws for a class that declares none (or declares it is not audited). */
export function requireCommandAudit(cls: CommandClass): CommandAuditSpec<unknown, unknown> {
  const audit = commandAuditOf(cls);
  if (!audit || audit.unaudited !== undefined) throw new Error(`${cls.name} declares no audit: decorate it with @AuditedCommand({ action, targetType, ... })`);
  return audit as CommandAuditSpec<unknown, unknown>;
}

/** Fills the `{field}` placeholders of an action; throws for one that nothing names. */
export function auditAction(action: string, values: object): string {
  return action.replace(/\{(\w+)\}/g, (_, field: string) => {
    const value = (values as Record<string, unknown>)[field];
    if (typeof value !== 'string') throw new Error(`audit action ${action}: nothing names {${field}}`);
    return value;
  });
}
