import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { Span, trace } from '@opentelemetry/api';

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
  /**
   * W3C traceparent of the work: its trace id names the trace, its parent id what caused it. With
   * tracing on (libs/observability/src/tracing.ts) it is the current span's, so what the work records
   * (events, jobs, log lines, audit rows) names that span.
   */
  traceparent: string;
  /** The span `traceparent` names, when it is a span of this process (tracing on). */
  span?: Span;
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

/** The parts of a valid W3C traceparent (version 00, ids not all zero), or null. */
export function validTraceparent(value: string): { traceId: string; spanId: string; flags: number } | null {
  const m = TRACEPARENT.exec(value);
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2], flags: parseInt(m[3], 16) };
}

/** Contexts of work the system started by itself, whose traceparent names no span that caused them. */
const unparented = new WeakSet<RequestContext>();

/** True for a context of {@link systemContext} without a parent: a span started in it starts a trace. */
export function hasNoTraceParent(ctx: RequestContext): boolean {
  return unparented.has(ctx);
}

/**
 * The traceparent that work caused by the current work records as its cause (a job's ledger row): the
 * context's, or null outside any work and for work the system started by itself without a parent (its
 * traceparent names no span; what it causes starts a trace of its own).
 */
export function causingTraceparent(): string | null {
  const ctx = storage.getStore();
  return ctx && !unparented.has(ctx) ? ctx.traceparent : null;
}

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

/**
 * A context for work the system starts by itself (relay, schedulers, sweepers, outcomes of the data
 * plane). With tracing on, one made inside a span (an executor's outcome continuing the trace of the
 * call that started the operation) continues that span's trace; otherwise its spans start a trace of
 * their own. With tracing off it has a new trace id (or `from`'s).
 */
export function systemContext(name: string, from?: Partial<RequestContext>): RequestContext {
  const ctx: RequestContext = {
    correlationId: from?.correlationId ?? randomUUID(),
    traceparent: from?.traceparent ? newTraceparent(from.traceparent.split('-')[1]) : newTraceparent(),
    causationId: from?.causationId,
    actor: { sub: `system:${name}`, kind: 'system', tenantId: from?.actor?.tenantId ?? null, roles: ['system'] },
  };
  if (from?.traceparent) return ctx;
  // Only tracing (libs/observability/src/tracing.ts) makes spans current; with it off there are none.
  const current = storage.getStore()?.span ?? trace.getActiveSpan();
  if (current && trace.isSpanContextValid(current.spanContext())) {
    ctx.traceparent = traceparentOf(current);
    ctx.span = current;
  } else {
    unparented.add(ctx);
  }
  return ctx;
}

/** A span's W3C traceparent. */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
