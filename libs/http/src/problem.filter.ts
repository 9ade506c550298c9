import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@rcp/ddd';
import { Actor, RequestContexts } from '@rcp/observability';
import { AuditWriter } from '@rcp/persistence';
import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';
import { ProblemDocument, ProblemException, problemOf } from './problem';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ResolvedProblem {
  problem: ProblemDocument;
  headers: Record<string, string>;
}

/** Maps any thrown value to a problem document. Never exposes stack traces, SQL or internal messages. */
export function resolveProblem(err: unknown, instance: string): ResolvedProblem {
  const ctx = RequestContexts.current();
  const traceId = ctx?.traceparent.split('-')[1] ?? '';
  const extras: Record<string, unknown> = {};
  if (ctx?.correlationId) extras.correlationId = ctx.correlationId;
  let code: ErrorCode = 'internal';
  let detail = 'An unexpected error occurred; the trace id identifies it in the logs';
  let headers: Record<string, string> = {};

  if (err instanceof ProblemException) {
    code = err.code;
    detail = err.detail;
    Object.assign(extras, err.extras);
    headers = err.headers;
  } else if (err instanceof DomainError) {
    code = err.code;
    detail = err.message;
    if (Array.isArray(err.details.reasons)) extras.reasons = err.details.reasons;
    if (Array.isArray(err.details.errors)) extras.errors = err.details.errors;
  } else if (err instanceof HttpException) {
    const status = err.getStatus();
    code = codeForStatus(status);
    detail = status === 404 ? 'No such route' : typeof err.getResponse() === 'string' ? (err.getResponse() as string) : err.message;
  } else if (isFastifyError(err)) {
    const status = err.statusCode;
    code = codeForStatus(status);
    detail =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'The request body is larger than the limit of 1 MiB'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'The request body must be sent as application/json'
          : status === 400
            ? `The request body is not valid JSON: ${err.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'$/, 'malformed JSON')}`
            : err.message;
  }
  // RFC 9110: a 401 names the scheme the client should authenticate with, whoever refused.
  if (code === 'unauthenticated' && !headers['WWW-Authenticate']) headers = { ...headers, 'WWW-Authenticate': 'Bearer' };
  // A unique violation is not mapped here: the aggregate store turns a conflict on an aggregate's own key
  // into `concurrent_modification`; any other one is a bug and stays `internal`.
  return { problem: problemOf(code, detail, instance, traceId, extras), headers };
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'validation_failed';
    case 401: return 'unauthenticated';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'not_found';
    case 409: return 'concurrent_modification';
    case 412: return 'version_conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 429: return 'rate_limited';
    case 503: return 'unavailable';
    default: return status >= 400 && status < 500 ? 'validation_failed' : 'internal';
  }
}

function isFastifyError(err: unknown): err is { statusCode: number; code: string; message: string } {
  const e = err as { statusCode?: unknown; code?: unknown };
  return typeof e?.statusCode === 'number' && typeof e.code === 'string' && e.code.startsWith('FST_');
}

export interface RequestAuditMeta {
  action: string;
  targetType: string;
  targetParam?: string;
}

/**
 * Who a request's credentials name, if they are valid (undefined otherwise); used to attribute a
 * failure that happened before authentication ran.
 */
export type RequestIdentifier = (req: FastifyRequest) => Promise<Actor | undefined>;

/**
 * The one exception filter: every failure becomes `application/problem+json` (RFC 9457) with a code of
 * the catalogue, and every refused mutation or authentication failure leaves one audit row, written in
 * its own transaction after the command's was rolled back.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = new Logger('ProblemFilter');

  constructor(
    private readonly audit: AuditWriter,
    private readonly identify?: RequestIdentifier,
  ) {}

  async catch(err: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest & { rcpAudit?: RequestAuditMeta; params?: Record<string, string> }>();
    const reply = http.getResponse<FastifyReply>();
    const path = req.url.split('?')[0];
    const { problem, headers } = resolveProblem(err, path);
    // The path only: a query string may carry what a client should not have put there (tokens, secrets).
    if (problem.status >= 500) this.log.error({ err, method: req.method, url: path }, 'request failed');
    await this.recordDenial(req, problem).catch((e: Error) => this.log.error(`audit write failed: ${e.message}`));
    reply.status(problem.status).headers(headers).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  private async recordDenial(
    req: FastifyRequest & { rcpAudit?: RequestAuditMeta; params?: Record<string, string> },
    problem: ProblemDocument,
  ): Promise<void> {
    if (!MUTATING.has(req.method) && problem.status !== 401 && problem.status !== 403) return;
    if (problem.code === 'not_found' && !req.rcpAudit) return; // unknown route: nothing was attempted
    if (!RequestContexts.current()?.actor && this.identify) {
      // Refused before the auth guard ran (e.g. the body is not JSON): a valid token still names the actor.
      const actor = await this.identify(req).catch(() => undefined);
      if (actor) RequestContexts.setActor(actor);
    }
    const meta = req.rcpAudit;
    const path = (req.routeOptions?.url ?? req.url.split('?')[0]) as string;
    const bodyId = (req.body as { id?: unknown } | undefined)?.id;
    const targetId =
      (meta?.targetParam ? req.params?.[meta.targetParam] : (req.params?.id ?? req.params?.tenantId)) ?? (typeof bodyId === 'string' ? bodyId.slice(0, 200) : undefined);
    const actor = RequestContexts.current()?.actor;
    // Only a verified caller's refusal is filed under a tenant it names. An anonymous one is platform-only
    // (tenant null): a path or body is the caller's say-so, and would let anyone write into a tenant's log.
    const namedTenant = req.params?.tenantId ?? (meta?.targetType === 'tenant' ? (targetId ?? null) : null);
    await this.audit.write({
      tenantId: actor ? (actor.tenantId ?? namedTenant) : null,
      action: meta?.action ?? `${req.method} ${path}`,
      targetType: meta?.targetType ?? 'route',
      targetId: targetId ?? null,
      result: problem.status >= 500 ? 'failed' : 'denied',
      status: problem.status,
      code: problem.code,
      details: { detail: problem.detail },
    });
  }
}

export { ERROR_CATALOGUE };
