/** A scale operation: the executor protocol's `scale` (libs/executor), for one service of an environment. */
export interface ScaleRequest {
  operationId: string;
  environmentId: string;
  service: string;
  replicas: number;
}

/** The data plane could not take the operation; `publicReason` is a fixed phrase fit for the tenant. */
export class ScalerUnavailableError extends Error {
  constructor(readonly publicReason: string) {
    super(publicReason);
  }
}

/**
 * Changes a service's replicas on the data plane. `scale` hands the operation over (the same operation id
 * twice is taken once); its outcome comes back later as `CompleteScalingCommand` (simulated: from the
 * data plane's outcomes; http: on the executor's callback).
 */
export abstract class Scaler {
  abstract scale(request: ScaleRequest): Promise<void>;
}
