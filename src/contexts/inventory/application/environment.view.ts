import { Serialized, serialized, without } from '@rcp/ddd';
import { EnvironmentSnapshot } from '../domain/runtime-environment.aggregate';

/**
 * What the inventory use cases answer with: an environment as its readers see it, i.e. its snapshot
 * with dates as strings, without the internal token of the provisioning round's timeout.
 */
export type EnvironmentView = Serialized<Omit<EnvironmentSnapshot, 'provisioningStartedAt'>>;

export function environmentView(s: EnvironmentSnapshot): EnvironmentView {
  return serialized(without(s, 'provisioningStartedAt'));
}

/** The body of a 202: the environment now, with the `jobId` of the job that moves it on. */
export type EnvironmentAcceptedView = EnvironmentView & { jobId: string | null };

/** The answer of a long-running request (202): the environment now, and the job that moves it on. */
export interface EnvironmentJobView {
  environment: EnvironmentView;
  jobId: string | null;
}
