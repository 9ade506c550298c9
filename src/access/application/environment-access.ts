import { AccessScope, DomainError, NotFoundError, canSee } from '@rcp/ddd';
import { AccessEnvironmentRow, AccessEnvironments } from './read-models/access-environment-read-model';

/**
 * The environment an agent-access call names, as the caller may reach it (unknown, another tenant's or
 * another project's: 404). `ready: true` also refuses one that is not ready (`409 precondition_failed`):
 * agents are enrolled only where there is a runtime to report on.
 */
export async function reachAgentEnvironment(environments: AccessEnvironments, environmentId: string, scope: AccessScope | undefined, opts: { ready?: boolean } = {}): Promise<AccessEnvironmentRow> {
  const env = await environments.find(environmentId);
  if (!env || !canSee(scope, env.projectId)) throw new NotFoundError('Environment', environmentId);
  if (opts.ready && env.state !== 'ready') {
    throw new DomainError('precondition_failed', `Environment ${environmentId} is ${env.state}: agents are enrolled only in a ready environment`, {
      reasons: [`environment ${environmentId} is ${env.state}, not ready`],
    });
  }
  return env;
}
