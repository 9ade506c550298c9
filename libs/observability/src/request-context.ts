import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

/** Who is acting: a person or pipeline (from a JWT), a runtime agent, or the system itself (handlers, jobs). */
export interface Actor {
  sub: string;
  kind: 'user' | 'agent' | 'system';
  tenantId: string | null;
  roles: string[];
  projectIds?: string[];
  environmentId?: string;
  /** An agent's capabilities (`report:health`, …): what its token allows on agent endpoints. */
  capabilities?: string[];
  /** The agent key a token was issued for (`POST /v1/agent-tokens`): its revocation ends the token. */
  agentKeyId?: string;
}

/**
 * What travels with one unit of work (an HTTP request, an event delivery, a job): who acts, and the
 * correlation and trace ids that every log line, audit row and event envelope carries.
 */
export interface RequestContext {
  correlationId: string;
  traceparent: string;
  causationId?: string;
  actor?: Actor;
  ip?: string;
  method?: string;
  path?: string;
  /**
   * Rate-limit hits this request already counted, by key (the per-token hit counted together with the
   * per-IP one before the body was read): the throttler answers them instead of counting again.
   */
  countedRateLimitHits?: Map<string, unknown>;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const RequestContexts = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
  /** Enter a context for the rest of this async chain (used by the HTTP hook). */
  enter(ctx: RequestContext): void {
    storage.enterWith(ctx);
  },
  setActor(actor: Actor): void {
    const ctx = storage.getStore();
    if (ctx) ctx.actor = actor;
  },
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

export function newTraceparent(traceId?: string): string {
  return `00-${traceId ?? randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Accepts a valid W3C traceparent as is, otherwise starts a new trace. */
export function acceptTraceparent(header: unknown): string {
  return typeof header === 'string' && TRACEPARENT.test(header) && !/^00-0{32}-/.test(header) ? header : newTraceparent();
}

/** Accepts a sane `X-Correlation-Id`, otherwise generates one. */
export function acceptCorrelationId(header: unknown): string {
  return typeof header === 'string' && CORRELATION.test(header) ? header : randomUUID();
}

/** A context for work the system starts by itself (relay, schedulers, sweepers). */
export function systemContext(name: string, from?: Partial<RequestContext>): RequestContext {
  return {
    correlationId: from?.correlationId ?? randomUUID(),
    traceparent: from?.traceparent ? newTraceparent(from.traceparent.split('-')[1]) : newTraceparent(),
    causationId: from?.causationId,
    actor: { sub: `system:${name}`, kind: 'system', tenantId: from?.actor?.tenantId ?? null, roles: ['system'] },
  };
}
