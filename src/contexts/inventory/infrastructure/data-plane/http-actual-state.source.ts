import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ActualState, ExecutorClient, ExecutorUnavailableError } from '@rcp/executor';
import { ActualStateSource, ActualStateUnavailableError, ObservedState } from '../../application/ports/actual-state-source.port';
import { observedStateOf } from './actual-state.mapping';

/**
 * Reads what runs from an external executor (`PROVISIONER=http`): a signed
 * `GET ${EXECUTOR_URL}/environments/{id}/state` through the shared client (no redirects, capped,
 * time-limited). A refusal, or an answer not of the documented shape, is an
 * {@link ActualStateUnavailableError} with a fixed phrase; the detail goes to the operator log.
 */
@Injectable()
export class HttpActualStateSource extends ActualStateSource {
  private readonly log = new Logger('HttpActualStateSource');
  private readonly client: ExecutorClient;

  constructor(@Inject(SETTINGS_TOKEN) settings: Settings) {
    super();
    this.client = new ExecutorClient(
      () => ({ url: settings.EXECUTOR_URL, secret: settings.EXECUTOR_SECRET, timeoutMs: settings.EXECUTOR_TIMEOUT_MS }),
      (message) => this.log.warn(message),
    );
  }

  async read(environmentId: string): Promise<ObservedState> {
    let answer: ActualState;
    try {
      answer = await this.client.read<ActualState>(`/environments/${encodeURIComponent(environmentId)}/state`, `actual state of ${environmentId}`);
    } catch (err) {
      if (err instanceof ExecutorUnavailableError) throw new ActualStateUnavailableError(err.publicReason);
      throw err;
    }
    try {
      return observedStateOf(answer, environmentId);
    } catch (err) {
      this.log.warn(`executor: ${(err as Error).message}`);
      throw new ActualStateUnavailableError('executor response invalid');
    }
  }
}
