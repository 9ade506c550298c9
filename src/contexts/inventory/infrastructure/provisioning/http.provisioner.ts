import { Inject, Injectable } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Provisioner, ProvisionerOperation } from '../../application/ports/provisioner.port';
import { OPERATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signExecutorMessage } from './executor-signature';

/** How long the executor may take to accept an operation (it must answer at once and work later). */
export const EXECUTOR_REQUEST_TIMEOUT_MS = 10_000;

/** What the control plane POSTs to `${EXECUTOR_URL}/operations`. */
export interface ExecutorOperationRequest extends ProvisionerOperation {
  /** Where the executor reports progress: `${PUBLIC_BASE_URL}/v1/executor-callbacks/{operationId}`. */
  callbackUrl: string;
}

/**
 * Provisioner adapter for an external executor (`PROVISIONER=http`). Starting an operation is one
 * signed POST to `${EXECUTOR_URL}/operations` (see `executor-signature.ts`); the executor answers 2xx
 * at once and later calls back `POST /v1/executor-callbacks/{operationId}`, signed the same way. Any
 * other answer, or none within 10 s, throws: the dispatch job retries with backoff and finally fails
 * the attempt with the executor's answer as the reason. The operation id is sent as
 * `X-RCP-Operation-Id` too, so the executor can deduplicate a resent operation.
 */
@Injectable()
export class HttpProvisioner extends Provisioner {
  readonly kind = 'http' as const;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  async start(op: ProvisionerOperation): Promise<void> {
    const { EXECUTOR_URL, EXECUTOR_SECRET, PUBLIC_BASE_URL } = this.settings;
    if (!EXECUTOR_URL || !EXECUTOR_SECRET) throw new Error('EXECUTOR_URL and EXECUTOR_SECRET must be set for PROVISIONER=http');
    const request: ExecutorOperationRequest = {
      ...op,
      callbackUrl: `${PUBLIC_BASE_URL.replace(/\/+$/, '')}/v1/executor-callbacks/${op.operationId}`,
    };
    const body = JSON.stringify(request);
    const timestamp = Math.floor(Date.now() / 1000);
    let res: Response;
    try {
      res = await fetch(`${EXECUTOR_URL.replace(/\/+$/, '')}/operations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'rcp-control-plane',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signExecutorMessage(EXECUTOR_SECRET, timestamp, body),
          [OPERATION_HEADER]: op.operationId,
        },
        body,
        signal: AbortSignal.timeout(EXECUTOR_REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`executor at ${EXECUTOR_URL} is unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      throw new Error(`executor refused the operation with HTTP ${res.status}${text ? `: ${text}` : ''}`);
    }
    await res.body?.cancel().catch(() => undefined);
  }
}
