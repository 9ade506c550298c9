import { ServiceReport } from '../../domain/runtime-service.entity';

/** What the data plane says runs in an environment. */
export interface ObservedState {
  /** False when the data plane has no such environment. */
  present: boolean;
  observedAt: Date;
  services: ServiceReport[];
}

/**
 * Why the data plane could not be read, in words that may reach a tenant (job errors): a phrase from a
 * fixed vocabulary (`executor timed out`, `executor returned HTTP 502`, `executor response invalid`);
 * the raw detail goes to the operator log only.
 */
export class ActualStateUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
    this.name = 'ActualStateUnavailableError';
  }
}

/**
 * Port: reads what runs in an environment from the data plane, as Argo CD watches a cluster, besides
 * what agents push. The simulated adapter reads the simulated data plane; the http one asks the
 * executor (`GET /environments/{id}/state`, docs/executor-protocol.md).
 */
export abstract class ActualStateSource {
  abstract read(environmentId: string): Promise<ObservedState>;
}
