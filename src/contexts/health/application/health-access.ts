import { AccessScope, DomainError, NotFoundError, canSee } from '@rcp/ddd';
import { HealthDirectory, HealthEnvironmentRow } from './read-models/health-read-models';

/**
 * The environment a health call names, as the caller may reach it (unknown, another tenant's or another
 * project's is 404); `ready` refuses with 409 precondition_failed unless it is ready.
 */
export async function reachEnvironment(directory: HealthDirectory, environmentId: string, scope: AccessScope | undefined, opts: { ready?: boolean } = {}): Promise<HealthEnvironmentRow> {
  const env = await directory.environment(environmentId);
  if (!env || !canSee(scope, env.projectId)) throw new NotFoundError('Environment', environmentId);
  if (opts.ready && env.state !== 'ready') {
    throw new DomainError('precondition_failed', `Environment ${environmentId} is ${env.state}, not ready`, { reasons: [`environment ${environmentId} is ${env.state}, not ready`] });
  }
  return env;
}

/** How far in the future a report's `observedAt` may be (clock skew between an agent and the control plane). */
export const MAX_CLOCK_SKEW_MS = 30_000;

export function assertNotFuture(observedAt: Date, now: Date): void {
  if (observedAt.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) {
    const message = `observedAt ${observedAt.toISOString()} is in the future (more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the control plane's clock)`;
    throw new DomainError('validation_failed', message, { errors: [{ field: 'observedAt', message }] });
  }
}
