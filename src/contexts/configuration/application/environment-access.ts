import { AccessScope, DomainError, NotFoundError, canSee } from '@rcp/ddd';
import { EnvironmentDirectory, EnvironmentRow } from './read-models/environment-read-model';

/**
 * The environment a configuration call names, as the caller may reach it: unknown, another tenant's
 * (row-level security) or another project's is 404. A change (`forChange`) is refused with
 * `409 precondition_failed` once the environment is going away: nothing new is bound to it.
 */
export async function reachEnvironment(directory: EnvironmentDirectory, environmentId: string, scope: AccessScope | undefined, opts: { forChange?: boolean } = {}): Promise<EnvironmentRow> {
  const env = await directory.find(environmentId);
  if (!env || !canSee(scope, env.projectId)) throw new NotFoundError('Environment', environmentId);
  if (opts.forChange && (env.state === 'decommissioning' || env.state === 'decommissioned')) {
    throw new DomainError('precondition_failed', `Environment ${environmentId} is ${env.state}: its configuration can no longer change`, {
      reasons: [`environment ${environmentId} is ${env.state}`],
    });
  }
  return env;
}
