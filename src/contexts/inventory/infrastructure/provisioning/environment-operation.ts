import { EnvironmentOperation } from '@rcp/executor';
import { ProvisionerOperation } from '../../application/ports/provisioner.port';

/** A provisioner operation as the executor protocol's message (`callbackUrl` empty where no callback is made). */
export const toEnvironmentOperation = (op: ProvisionerOperation, callbackUrl: string): EnvironmentOperation => ({
  ...op,
  environment: { ...op.environment, placement: { ...op.environment.placement } },
  callbackUrl,
});
