import {
  Attributes,
  Context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  Tracer,
  context as otelContext,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RequestContext, RequestContexts, acceptTraceparent, hasNoTraceParent, traceparentOf, validTraceparent } from './request-context';

export { SpanKind, SpanStatusCode };

/** Attributes of a span, or a function that makes them (called only while tracing is on). */
export type SpanAttributes = Attributes | (() => Attributes);

export interface WithSpanOptions {
  /**
   * The W3C traceparent of the work that caused this one in another transaction or process (an event
   * envelope's, a job's): the span continues that trace as its child. Without it, the span is a child
   * of the current one (the request context's), or starts a trace when there is none.
   */
  parent?: string | null;
  kind?: SpanKind;
}

/** The span a {@link withSpan} callback runs in, while tracing is on. */
export interface TracedSpan {
  readonly span: Span;
  /** The span as a W3C traceparent: what work caused by this one records as its parent. */
  readonly traceparent: string;
}

export interface StartTracingOptions {
  /**
   * Export to these processors instead of what the `OTEL_*` variables configure (tests: an
   * `InMemorySpanExporter` behind a `SimpleSpanProcessor`); tracing then starts unless `OTEL_SDK_DISABLED=true`.
   */
  spanProcessors?: SpanProcessor[];
  /** The process's role (`api`, `worker`, `all`), recorded as the resource attribute `rcp.role`. */
  role?: string;
  /** `service.name` unless OTEL_SERVICE_NAME (or `service.name` in OTEL_RESOURCE_ATTRIBUTES) names one; default `rcp`. */
  serviceName?: string;
  /** Where the OTEL_* variables are read (default: process.env; the SDK reads process.env itself). */
  env?: NodeJS.ProcessEnv;
  /**
   * Stop tracing when the application closes (default; `npm start`: one application per process). False
   * (tests with several applications): closing one only flushes, and the caller calls {@link shutdownTracing}.
   */
  stopWithApplication?: boolean;
}

const TRACER_NAME = 'rcp';
/** How long closing the application waits for spans still to be exported. */
const SHUTDOWN_TIMEOUT_MS = 5000;

/** Set while tracing runs in this process; undefined: every helper here is a pass-through. */
let tracer: Tracer | undefined;
let sdk: { shutdown(): Promise<void> } | undefined;
let stopWithApplication = true;

const truthy = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'true';
const listOf = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'null');

/**
 * Whether the OpenTelemetry variables ask for traces. Off unless configured: `OTEL_TRACES_EXPORTER`
 * names an exporter other than `none` (`otlp`, `console`, `zipkin`), or an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER` does
 * not say `none`. `OTEL_SDK_DISABLED=true` always wins. (The SDK itself would default to `otlp`; a
 * control plane that sends spans to localhost:4318 by surprise is not what an operator expects.)
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (truthy(env.OTEL_SDK_DISABLED)) return false;
  const exporters = listOf(env.OTEL_TRACES_EXPORTER);
  if (exporters.length > 0) return exporters.some((e) => e !== 'none');
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** True while tracing runs in this process. */
export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/**
 * Starts tracing when the OTEL_* variables ask for it (see {@link tracingRequested}) or when `spanProcessors`
 * are given: the OpenTelemetry NodeSDK with the exporter, sampler, resource and propagators those
 * variables configure, traces only (no metrics or logs pipeline, no auto-instrumentation: the spans are
 * the ones this code base creates). Call it before the application is created; the application's
 * shutdown flushes and stops it ({@link shutdownTracing}). When tracing is off nothing is loaded (the
 * SDK is required only here) and every helper of this module calls straight through. Returns whether
 * tracing runs.
 */
export function startTracing(opts: StartTracingOptions = {}): boolean {
  if (tracer) return true;
  const env = opts.env ?? process.env;
  if (truthy(env.OTEL_SDK_DISABLED)) return false;
  if (!opts.spanProcessors && !tracingRequested(env)) return false;
  const { NodeSDK, resources } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const named = !!env.OTEL_SERVICE_NAME?.trim() || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const started = new NodeSDK({
    serviceName: named ? undefined : (opts.serviceName ?? 'rcp'),
    resource: resources.defaultResource().merge(resources.resourceFromAttributes(opts.role ? { 'rcp.role': opts.role } : {})),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
    // Two copies of sdk-trace's types (2.12.0 under sdk-node, 2.12.1 under sdk-trace-base) describe one interface.
    spanProcessors: opts.spanProcessors as never,
  });
  started.start();
  const t = trace.getTracer(TRACER_NAME);
  // No span processor came of the variables (an exporter this SDK does not know): a no-op tracer, whose
  // all-zero ids must never replace the traceparents the application makes itself.
  const probe = t.startSpan('probe', { root: true });
  if (!isSpanContextValid(probe.spanContext())) {
    void started.shutdown().catch(() => undefined);
    disableGlobals();
    return false;
  }
  sdk = started;
  tracer = t;
  stopWithApplication = opts.stopWithApplication ?? true;
  return true;
}

/** Waits for `work`, at most {@link SHUTDOWN_TIMEOUT_MS} (a collector that does not answer holds nothing up). */
async function bounded(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, SHUTDOWN_TIMEOUT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Flushes the spans not yet exported (for at most 5 s) and stops tracing. Does nothing when it is off. */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  if (!running) return;
  sdk = undefined;
  tracer = undefined;
  try {
    await bounded(running.shutdown());
  } finally {
    disableGlobals();
  }
}

/**
 * What closing the application does to tracing (`ObservabilityModule`): stops it, exporting what is
 * left, or only exports what is left when it was started with `stopWithApplication: false`.
 */
export async function tracingAtApplicationShutdown(): Promise<void> {
  if (!sdk) return;
  if (stopWithApplication) return shutdownTracing();
  await flushTracing();
}

/** Exports the spans that ended and are not exported yet (for at most 5 s). Does nothing when tracing is off. */
export async function flushTracing(): Promise<void> {
  if (!sdk) return;
  const provider = trace.getTracerProvider();
  const delegate = (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) as { forceFlush?: () => Promise<void> };
  await bounded(delegate.forceFlush?.() ?? Promise.resolve());
}

function disableGlobals(): void {
  trace.disable();
  otelContext.disable();
  propagation.disable();
}

/** The trace context a traceparent names, as the parent of spans started in this process. */
function remoteParent(traceparent: string | null | undefined): Context {
  const m = traceparent ? validTraceparent(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: m.traceId, spanId: m.spanId, traceFlags: m.flags, isRemote: true });
}

/**
 * The parent of a new span: the traceparent given (work caused elsewhere), else the request context's
 * span (started in this process), else its traceparent (continued from elsewhere, e.g. a test that set
 * one), else the OpenTelemetry context's active span. Work the system started by itself (a context of
 * `systemContext()` without a parent) starts a trace.
 */
function parentOf(ctx: RequestContext | undefined, parent: string | null | undefined): Context {
  if (parent) return remoteParent(parent);
  if (!ctx) return otelContext.active();
  if (ctx.span) return trace.setSpan(ROOT_CONTEXT, ctx.span);
  if (hasNoTraceParent(ctx)) return ROOT_CONTEXT;
  return remoteParent(ctx.traceparent);
}

/** The request context of work inside `traced`: the same context, with the span as its trace position. */
function within(ctx: RequestContext, traced: TracedSpan): RequestContext {
  const child = Object.create(ctx) as RequestContext;
  child.traceparent = traced.traceparent;
  child.span = traced.span;
  return child;
}

function attributesOf(attributes: SpanAttributes): Attributes {
  if (typeof attributes !== 'function') return attributes;
  try {
    return attributes();
  } catch {
    return {};
  }
}

function failed(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err).slice(0, 300) });
}

/**
 * Runs `fn` in a new span named `name`: a child of `opts.parent` (a traceparent recorded elsewhere) or
 * of the current span. Inside, the request context (when there is one) carries the span as its
 * `traceparent`, so the log lines, audit rows, events and jobs of the work name this span; the span ends
 * when `fn` settles and records a failure as its error status. When tracing is off this is `fn()`,
 * with no span and no other cost.
 */
export function withSpan<T>(name: string, attributes: SpanAttributes, fn: (traced?: TracedSpan) => Promise<T>, opts: WithSpanOptions = {}): Promise<T> {
  if (!tracer) return fn();
  const ctx = RequestContexts.current();
  const parent = parentOf(ctx, opts.parent);
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: attributesOf(attributes) }, parent);
  const traced: TracedSpan = { span, traceparent: traceparentOf(span) };
  const run = async (): Promise<T> => {
    try {
      return await fn(traced);
    } catch (err) {
      failed(span, err);
      throw err;
    } finally {
      span.end();
    }
  };
  const active = () => otelContext.with(trace.setSpan(parent, span), run);
  return ctx ? RequestContexts.run(within(ctx, traced), active) : active();
}

/**
 * Records a span of work that already happened (from `startTime` to `endTime`), e.g. the relay's claim
 * of an event in a round it has committed, as a child of `parent`. Nothing when tracing is off.
 */
export function recordSpan(name: string, attributes: SpanAttributes, opts: { parent?: string | null; startTime: number; endTime: number; kind?: SpanKind }): void {
  if (!tracer) return;
  const span = tracer.startSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: attributesOf(attributes), startTime: opts.startTime },
    remoteParent(opts.parent),
  );
  span.end(opts.endTime);
}

/** The current span's traceparent (the request context's), or undefined: for headers sent to the outside. */
export function currentTraceparent(): string | undefined {
  if (!tracer) return undefined;
  const ctx = RequestContexts.current();
  if (ctx?.span) return ctx.traceparent;
  const active = trace.getSpan(otelContext.active());
  return active ? traceparentOf(active) : undefined;
}

/**
 * The traceparent of an HTTP request: with tracing on (and `traced`), a server span that continues the
 * caller's valid `traceparent` header (or starts a trace), whose own traceparent the request then carries
 * and answers with; otherwise exactly {@link acceptTraceparent} (the header as is, or a new trace).
 * End the span with {@link endRequestTrace}.
 */
export function requestTrace(header: unknown, method: string, path: string, traced = true): { traceparent: string; span?: Span } {
  if (!tracer || !traced) return { traceparent: acceptTraceparent(header) };
  const incoming = acceptTraceparent(header);
  const parent = incoming === header ? remoteParent(incoming) : ROOT_CONTEXT;
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  return { traceparent: traceparentOf(span), span };
}

/** Ends a request's server span (no-op without one), named `<method> <route>`; a 5xx is an error. */
export function endRequestTrace(span: unknown, method: string, route: string | undefined, status: number): void {
  if (!span) return;
  const s = span as Span;
  if (route) {
    s.updateName(`${method} ${route}`);
    s.setAttribute('http.route', route);
  }
  s.setAttribute('http.response.status_code', status);
  if (status >= 500) s.setStatus({ code: SpanStatusCode.ERROR });
  s.end();
}
