import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { Actor, RequestContexts } from '@rcp/observability';
import { canonicalJson, sha256Hex } from '@rcp/ddd';
import { IdempotencyClaim, IdempotencyStore, IdempotentOutcome } from './idempotency.store';
import { ProblemException } from './problem';
import { resolveProblem } from './problem.filter';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** 1–255 visible ASCII characters (spaces allowed inside), as a header value can carry them. */
const KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;
/** Response headers that belong to the outcome and are replayed with it. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed';
const SECRET_FIELDS_KEY = 'rcp:secret-response-fields';

/**
 * The top-level fields of a route's answer that hold a secret shown once (an enrollment token, an agent
 * key): the idempotency record keeps them as `null`, so a replay says what happened without the secret,
 * and no secret is stored outside its hash.
 */
export const SecretInResponse = (...fields: string[]) => SetMetadata(SECRET_FIELDS_KEY, fields);

/**
 * `Idempotency-Key` for every POST, PUT, PATCH and DELETE (API.md): the same key with the same request
 * within `IDEMPOTENCY_TTL_HOURS` answers the first status, body, `Location` and `ETag` again with
 * `Idempotency-Replayed: true`, without running the command again (so no second effect, event or audit
 * row); the same key with another request is `422 idempotency_key_reused`; while the first request is
 * still running, `409 idempotency_in_progress`.
 *
 * Keys are scoped to the tenant (or the platform) and the actor, so two callers never see each other's
 * answers. The request is identified by the sha256 of its method, path (with query) and the canonical
 * JSON of its body, so reordered JSON keys are the same request.
 * 2xx and 4xx outcomes are kept (a 4xx is the problem document the client saw); a 5xx releases the key
 * so the client can retry it. Runs after the guards (401/403/429 claim nothing) and outside every other
 * interceptor, so the `ETag` they set is part of what is recorded. A secret shown once
 * ({@link SecretInResponse}) is recorded as `null`: its replay does not show it again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly log = new Logger('Idempotency');

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & { user?: Actor }>();
    if (!MUTATING.has(req.method)) return next.handle();
    const header = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    const key = parseKey(header);
    const reply = http.getResponse<FastifyReply>();
    const path = req.url.split('?')[0];

    const scope = scopeOf(req.user ?? RequestContexts.current()?.actor, req.ip, req.headers.authorization);
    const requestHash = sha256Hex(`${req.method}\n${req.url}\n${canonicalJson(req.body)}`);
    const claimed = await this.store.claim(scope, key, requestHash);
    switch (claimed.kind) {
      case 'reused':
        throw new ProblemException('idempotency_key_reused', 'This Idempotency-Key was already used with another request (method, path or body); use a new key');
      case 'in_progress':
        throw new ProblemException('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly', {}, { 'Retry-After': '1' });
      case 'replay':
        return of(replay(reply, claimed.outcome));
      case 'claimed':
        return this.run(next, reply, path, claimed.claim, this.reflector.get<string[] | undefined>(SECRET_FIELDS_KEY, context.getHandler()) ?? []);
    }
  }

  private run(next: CallHandler, reply: FastifyReply, path: string, claim: IdempotencyClaim, secretFields: string[]): Observable<unknown> {
    return next.handle().pipe(
      mergeMap((body) => from(this.record(claim, outcomeOf(reply, withoutSecrets(body, secretFields))).then(() => body))),
      catchError((err: unknown) => {
        const { problem } = resolveProblem(err, path);
        const settle =
          problem.status >= 500
            ? this.store.release(claim)
            : this.store.complete(claim, { status: problem.status, headers: { 'content-type': 'application/problem+json; charset=utf-8' }, body: JSON.stringify(problem) });
        return from(settle.catch((e: Error) => this.log.warn(`could not settle Idempotency-Key: ${e.message}`))).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }

  /**
   * The command has committed: its answer is recorded before it is sent, so a retry arriving right after
   * the response is replayed rather than refused. A failure to record is logged, never turned into an
   * error: the effect happened and the client must learn it.
   */
  private async record(claim: IdempotencyClaim, outcome: IdempotentOutcome): Promise<void> {
    try {
      await this.store.complete(claim, outcome);
    } catch (err) {
      this.log.warn(`could not record the outcome of Idempotency-Key ${claim.key}: ${(err as Error).message}`);
    }
  }
}

function parseKey(header: string | string[]): string {
  const key = Array.isArray(header) ? undefined : header;
  if (key === undefined || !KEY.test(key)) {
    throw new ProblemException('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters, sent once', {
      errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  }
  return key;
}

/**
 * Whose keys these are: a tenant's actor, a platform actor, or (public endpoints) an anonymous client
 * by its address and whatever credential it presented (two agents behind one NAT redeeming their own
 * enrollment tokens never share keys).
 */
function scopeOf(actor: Actor | undefined, ip: string, authorization: string | undefined): string {
  if (!actor) return `anonymous:${ip}:${authorization ? sha256Hex(authorization).slice(0, 32) : '-'}`;
  return actor.tenantId ? `tenant:${actor.tenantId}:${actor.sub}` : `platform:${actor.sub}`;
}

/** What will be sent for `body`: Fastify serializes objects with JSON.stringify (no response schemas here). */
function outcomeOf(reply: FastifyReply, body: unknown): IdempotentOutcome {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const v = reply.getHeader(name);
    if (v !== undefined) headers[name] = String(v);
  }
  let text: string;
  if (body === undefined || body === null) text = '';
  else if (typeof body === 'string') text = body;
  else {
    text = JSON.stringify(body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  return { status: reply.statusCode, headers, body: text };
}

/** The answer as it is recorded: the fields holding a secret shown once are null. */
function withoutSecrets(body: unknown, fields: string[]): unknown {
  if (fields.length === 0 || typeof body !== 'object' || body === null) return body;
  return { ...body, ...Object.fromEntries(fields.filter((f) => f in body).map((f) => [f, null])) };
}

function replay(reply: FastifyReply, outcome: IdempotentOutcome): string {
  reply.status(outcome.status);
  for (const [name, value] of Object.entries(outcome.headers)) reply.header(name, value);
  reply.header(IDEMPOTENCY_REPLAYED_HEADER, 'true');
  return outcome.body;
}
