import { AccessScope, DomainError, NotFoundError, canSee } from '@rcp/ddd';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';

export type { AccessScope };
export { canSee };

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
