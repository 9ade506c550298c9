/**
 * What a caller may reach beyond row-level security (which already confines it to its tenant): a
 * token with `project_ids` reaches only those projects. Absent means the whole tenant (or, for
 * platform tokens and the system, everything row-level security lets through).
 */
export interface AccessScope {
  projectIds?: string[];
}

export function canSee(scope: AccessScope | undefined, projectId: string): boolean {
  return !scope?.projectIds || scope.projectIds.includes(projectId);
}
