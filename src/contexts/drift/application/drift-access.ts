import { AccessScope, NotFoundError, canSee } from '@rcp/ddd';
import { DriftDirectory, DriftEnvironmentRow } from './read-models/drift-read-models';

/** The environment a drift call names, as the caller may reach it: unknown, another tenant's or another project's is 404. */
export async function reachEnvironment(directory: DriftDirectory, environmentId: string, scope: AccessScope | undefined): Promise<DriftEnvironmentRow> {
  const env = await directory.environment(environmentId);
  if (!env || !canSee(scope, env.projectId)) throw new NotFoundError('Environment', environmentId);
  return env;
}
