import { VersionConflictError } from '@rcp/ddd';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { RuntimeEnvironmentRepository } from '../domain/inventory.repository';
import { AccessScope, assertVisible } from './access-scope';

/** Loads an environment for a change: `not_found` when absent or out of scope, `version_conflict` when If-Match is stale. */
export async function loadForChange(repo: RuntimeEnvironmentRepository, id: string, scope: AccessScope | undefined, expectedVersion?: number): Promise<RuntimeEnvironment> {
  const env = assertVisible(await repo.findById(id), id, scope);
  if (expectedVersion !== undefined && expectedVersion !== env.version) throw new VersionConflictError(expectedVersion, env.version);
  return env;
}
