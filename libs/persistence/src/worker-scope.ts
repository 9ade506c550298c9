import type { Actor } from '@rcp/observability';
import type { DbScope } from './transaction-manager';

const PLATFORM_SCOPE_METADATA = 'rcp:platform-scope';

/**
 * Declares that an event handler or a job handler works across tenants, so it runs in the platform
 * scope (every tenant's rows) instead of its event's or job's tenant scope. Say why: this is the one
 * place where row-level security stops guarding the worker path.
 *
 *   @PlatformScope('counts the environments of every tenant for the capacity report')
 */
export function PlatformScope(reason: string): ClassDecorator {
  if (!reason.trim()) throw new Error('@PlatformScope needs a reason');
  return (target) => Reflect.defineMetadata(PLATFORM_SCOPE_METADATA, reason, target);
}

/** The reason a handler class gave with `@PlatformScope`, or undefined when it runs in its tenant's scope. */
export function platformScopeOf(handler: object | undefined): string | undefined {
  const cls = typeof handler === 'function' ? handler : handler?.constructor;
  return cls ? (Reflect.getMetadata(PLATFORM_SCOPE_METADATA, cls) as string | undefined) : undefined;
}

/**
 * The scope an event handler or job runs in: its tenant's, as a tenant token's request would (row-level
 * security shows and lets it write that tenant's rows only), unless it has no tenant (a platform event
 * or job) or its handler declared `@PlatformScope`.
 */
export function workerScope(tenantId: string | null, handler: object | undefined): DbScope {
  if (tenantId === null || platformScopeOf(handler) !== undefined) return { tenantId: null, platform: true };
  return { tenantId, platform: false };
}

/**
 * Who acts in a delivery or a job: the system, for the event's or job's tenant (the audit row's and an
 * enqueued job's tenant) and, in a tenant's scope, limited to the event's or job's project when it
 * concerns one, as a token with `project_ids` is (see `readScopeConditions`).
 */
export function workerActor(sub: string, roles: string[], tenantId: string | null, projectId: string | null | undefined, scope: DbScope): Actor {
  return { sub, kind: 'system', tenantId, roles, ...(!scope.platform && projectId ? { projectIds: [projectId] } : {}) };
}
