import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { Provisioner, ProvisionerCall, ProvisionerOperation, ProvisionerUnavailableError } from '../../application/ports/provisioner.port';
import { toEnvironmentOperation } from './environment-operation';

/**
 * Provisioner adapter for an external executor (`PROVISIONER=http`), as `docs/executor-protocol.md`
 * describes it: one signed `POST ${EXECUTOR_URL}/operations` per operation through the shared
 * `ExecutorClient` (libs/executor: no redirects, capped answers, a time limit, sanitized reasons); the
 * executor answers 2xx at once and later calls back `POST /v1/executor-callbacks/{operationId}`.
 * A refusal becomes a {@link ProvisionerUnavailableError} with the client's fixed phrase, which is all
 * a tenant sees; the dispatch job retries with backoff.
 */
@Injectable()
export class HttpProvisioner extends Provisioner {
  readonly kind = 'http' as const;
  private readonly client: ExecutorClient;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
    const log = new Logger('HttpProvisioner');
    this.client = new ExecutorClient(
      () => ({ url: settings.EXECUTOR_URL, secret: settings.EXECUTOR_SECRET, timeoutMs: settings.EXECUTOR_TIMEOUT_MS }),
      (message) => log.warn(message),
    );
  }

  async start(op: ProvisionerOperation, call: ProvisionerCall = {}): Promise<void> {
    const request = toEnvironmentOperation(op, `${this.settings.PUBLIC_BASE_URL.replace(/\/+$/, '')}/v1/executor-callbacks/${op.operationId}`);
    try {
      await this.client.send(request, call);
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw new ProvisionerUnavailableError(err.publicReason);
      throw err;
    }
  }
}
