import { DomainError, NotFoundError } from '@rcp/ddd';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';

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

/** Another project's environment is as invisible as another tenant's: 404. */
export function assertVisible(env: RuntimeEnvironment | null, id: string, scope: AccessScope | undefined): RuntimeEnvironment {
  if (!env || !canSee(scope, env.projectId)) throw new NotFoundError('Environment', id);
  return env;
}

/** Creating in a project outside the token's projects is refused outright (nothing to hide yet). */
export function assertMayCreateIn(scope: AccessScope | undefined, projectId: string): void {
  if (!canSee(scope, projectId)) {
    throw new DomainError('forbidden', `This token is limited to the projects ${scope!.projectIds!.join(', ')}`, { projectId });
  }
}
