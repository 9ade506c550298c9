import { Inject, Injectable, Logger } from '@nestjs/common';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Provisioner, ProvisionerCall, ProvisionerOperation, ProvisionerUnavailableError } from '../../application/ports/provisioner.port';
import { sanitizeReportedReason } from '../../domain/provisioning-policy';
import { IDEMPOTENCY_KEY_HEADER, OPERATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signExecutorMessage } from './executor-signature';

/** Most bytes of an executor's answer ever read (the rest is discarded unread). */
export const MAX_EXECUTOR_RESPONSE_BYTES = 64 * 1024;
/** How much of a refusal's body the operator log shows. */
const LOGGED_BODY_CHARS = 300;

/** What the control plane POSTs to `${EXECUTOR_URL}/operations`. */
export interface ExecutorOperationRequest extends ProvisionerOperation {
  /** Where the executor reports progress: `${PUBLIC_BASE_URL}/v1/executor-callbacks/{operationId}`. */
  callbackUrl: string;
}

/**
 * Provisioner adapter for an external executor (`PROVISIONER=http`), as `docs/executor-protocol.md`
 * describes it. Starting an operation is one signed POST to `${EXECUTOR_URL}/operations` (see
 * `executor-signature.ts`); the executor answers 2xx at once and later calls back
 * `POST /v1/executor-callbacks/{operationId}`, signed the same way. The operation id is sent as
 * `X-RCP-Operation-Id` too, so the executor can deduplicate a resent operation, and the dispatch job's
 * `Idempotency-Key` (the same for every try of that job, also for a try that lost its lease).
 *
 * The executor's answer is not trusted: redirects are not followed (a 3xx is a failure, so the signed
 * body never goes anywhere else), at most {@link MAX_EXECUTOR_RESPONSE_BYTES} of a body are read,
 * and the whole exchange, body included, must end within `EXECUTOR_TIMEOUT_MS`. Anything but a 2xx
 * throws a {@link ProvisionerUnavailableError} whose reason comes from a fixed vocabulary
 * (`executor returned HTTP 502`, `executor timed out`, `executor unreachable`, `executor response
 * invalid`): that is all a tenant ever sees. What the executor said, and the error underneath, go to
 * the operator log only, with URLs and addresses redacted. The dispatch job retries with backoff.
 */
@Injectable()
export class HttpProvisioner extends Provisioner {
  readonly kind = 'http' as const;
  private readonly log = new Logger('HttpProvisioner');

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    super();
  }

  async start(op: ProvisionerOperation, call: ProvisionerCall = {}): Promise<void> {
    const { EXECUTOR_URL, EXECUTOR_SECRET, PUBLIC_BASE_URL, EXECUTOR_TIMEOUT_MS } = this.settings;
    if (!EXECUTOR_URL || !EXECUTOR_SECRET) throw new ProvisionerUnavailableError('executor not configured');
    const request: ExecutorOperationRequest = {
      ...op,
      callbackUrl: `${PUBLIC_BASE_URL.replace(/\/+$/, '')}/v1/executor-callbacks/${op.operationId}`,
    };
    const target = new URL(`${EXECUTOR_URL.replace(/\/+$/, '')}/operations`);
    const body = JSON.stringify(request);
    const timestamp = Math.floor(Date.now() / 1000);
    const signal = AbortSignal.timeout(EXECUTOR_TIMEOUT_MS);
    const fail = (publicReason: string, detail: string): ProvisionerUnavailableError => {
      const safe = detail.split(EXECUTOR_SECRET).join('[REDACTED]');
      this.log.warn(`executor did not take ${op.kind} operation ${op.operationId} (attempt ${op.attempt}): ${publicReason}; ${safe}`);
      return new ProvisionerUnavailableError(publicReason);
    };
    let res: Response;
    try {
      res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'rcp-control-plane',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signExecutorMessage(EXECUTOR_SECRET, timestamp, { method: 'POST', path: `${target.pathname}${target.search}`, body }),
          [OPERATION_HEADER]: op.operationId,
          ...(call.idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: call.idempotencyKey } : {}),
        },
        body,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw this.classify(err, signal, fail);
    }
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => undefined);
      return;
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      throw fail(`executor returned HTTP ${res.status} (redirects are not followed)`, `a redirect to ${redactText(res.headers.get('location') ?? 'nowhere')} was ignored`);
    }
    let answer: { text: string; truncated: boolean };
    try {
      answer = await readCapped(res.body, MAX_EXECUTOR_RESPONSE_BYTES);
    } catch (err) {
      throw this.classify(err, signal, fail, res.status);
    }
    const snippet = redactText(answer.text, LOGGED_BODY_CHARS);
    throw fail(`executor returned HTTP ${res.status}`, `body${answer.truncated ? ` (over ${MAX_EXECUTOR_RESPONSE_BYTES} bytes, cut)` : ''}: ${snippet || '(empty)'}`);
  }

  private classify(
    err: unknown,
    signal: AbortSignal,
    fail: (publicReason: string, detail: string) => ProvisionerUnavailableError,
    status?: number,
  ): ProvisionerUnavailableError {
    const cause = ((err as { cause?: unknown })?.cause ?? err) as { code?: string; message?: string; name?: string };
    const detail = redactText(`${cause?.code ?? cause?.name ?? 'error'}: ${cause?.message ?? String(err)}`, LOGGED_BODY_CHARS);
    if (signal.aborted) return fail('executor timed out', `no complete answer within ${this.settings.EXECUTOR_TIMEOUT_MS} ms${status ? ` (HTTP ${status} headers came, the body did not)` : ''}`);
    if (status !== undefined) return fail(`executor returned HTTP ${status}`, `reading the body failed: ${detail}`);
    const code = cause?.code ?? '';
    if (code.startsWith('HPE_') || INVALID_RESPONSE_CODES.has(code)) return fail('executor response invalid', detail);
    return fail('executor unreachable', detail);
  }
}

/** undici error codes that mean the executor answered, but not with valid HTTP. */
const INVALID_RESPONSE_CODES = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_INFO']);

/** Reads at most `max` bytes of a body and discards the rest unread. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: '', truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > max) {
        chunks.push(value.subarray(0, max - size));
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** Operator-log form of text the executor or the network produced: no control characters, no URLs or addresses, short. */
const redactText = (text: string, max = LOGGED_BODY_CHARS) => sanitizeReportedReason(text, max);
