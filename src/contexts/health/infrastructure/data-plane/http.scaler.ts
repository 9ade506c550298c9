import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { ScaleRequest, Scaler, ScalerUnavailableError } from '../../application/ports/scaler.port';

/** Where the executor reports a scale operation's outcome (the health context's callback route). */
export const SCALING_CALLBACK_PATH = '/v1/executor-callbacks/scaling/';

/**
 * The scaler for an external executor (`PROVISIONER=http`): one signed `scale` operation of
 * docs/executor-protocol.md per decision (`POST ${EXECUTOR_URL}/operations` through the shared
 * `ExecutorClient`: no redirects, capped answers, a time limit, sanitized reasons). The executor answers
 * at once and later calls back `POST /v1/executor-callbacks/scaling/{operationId}`. An executor that
 * refuses or cannot be reached fails the decision with the client's fixed phrase; the next metric
 * report decides again.
 */
@Injectable()
export class HttpScaler extends Scaler {
  private readonly client: ExecutorClient;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
    const log = new Logger('HttpScaler');
    this.client = new ExecutorClient(
      () => ({ url: settings.EXECUTOR_URL, secret: settings.EXECUTOR_SECRET, timeoutMs: settings.EXECUTOR_TIMEOUT_MS }),
      (message) => log.warn(message),
    );
  }

  async scale(r: ScaleRequest): Promise<void> {
    const callbackUrl = `${this.settings.PUBLIC_BASE_URL.replace(/\/+$/, '')}${SCALING_CALLBACK_PATH}${r.operationId}`;
    try {
      await this.client.send({ operationId: r.operationId, kind: 'scale', attempt: 1, callbackUrl, environmentId: r.environmentId, service: r.service, replicas: r.replicas }, { idempotencyKey: r.operationId });
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw new ScalerUnavailableError(err.publicReason);
      throw err;
    }
  }
}
