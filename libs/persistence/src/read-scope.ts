import { Actor } from '@rcp/observability';

/** How a table says which tenant and which project a row belongs to (SQL expressions). */
export interface ScopeColumns {
  tenant: string;
  /** Absent when the rows belong to no project: a token limited to projects then reads none of them. */
  project?: string;
}

/**
 * The predicates every read of tenant data adds for the calling principal, on top of row-level
 * security (which stays the backstop):
 * - a tenant token: `tenant = <its tenant>`, named explicitly so the planner can use the
 *   `(tenant_id, …)` indexes (the policy's `OR` alone cannot);
 * - a token with `project_ids`: `project = ANY(<its projects>)`, so rows of other projects and rows of
 *   no project (tenant-level events, jobs and audit entries) stay hidden;
 * - platform tokens and the system: nothing beyond row-level security.
 * Appends the values to `params` and returns the conditions to AND together.
 */
export function readScopeConditions(actor: Actor | undefined, columns: ScopeColumns, params: unknown[]): string[] {
  const conditions: string[] = [];
  if (actor?.tenantId) {
    params.push(actor.tenantId);
    conditions.push(`${columns.tenant} = $${params.length}`);
  }
  if (actor?.projectIds) {
    if (!columns.project) {
      conditions.push('false');
    } else {
      params.push(actor.projectIds);
      conditions.push(`${columns.project} = ANY($${params.length}::text[])`);
    }
  }
  return conditions;
}
