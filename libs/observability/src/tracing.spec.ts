import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RequestContexts, acceptTraceparent, causingTraceparent, newTraceparent, systemContext } from './request-context';
import {
  currentTraceparent,
  endRequestTrace,
  flushTracing,
  recordSpan,
  requestTrace,
  shutdownTracing,
  startTracing,
  tracingEnabled,
  tracingRequested,
  withSpan,
} from './tracing';

/** Counts how often the SDK is loaded (it is required only when tracing starts). */
let mockSdkLoads = 0;
jest.mock('@opentelemetry/sdk-node', () => {
  mockSdkLoads++;
  return jest.requireActual('@opentelemetry/sdk-node');
});

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const traceIdOf = (tp: string) => tp.split('-')[1];
const spanIdOf = (tp: string) => tp.split('-')[2];

describe('tracingRequested: the OTEL_* variables, off unless configured', () => {
  it.each([
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: ' ' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'rcp' }, false],
  ])('%j → %s', (env, on) => {
    expect(tracingRequested(env as NodeJS.ProcessEnv)).toBe(on);
  });
});

describe('with tracing off', () => {
  it('starts no SDK: nothing is loaded, the global tracer stays a no-op', () => {
    expect(startTracing({ env: {} })).toBe(false);
    expect(startTracing({ env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } })).toBe(false);
    // OTEL_SDK_DISABLED wins even over processors given in code.
    expect(startTracing({ env: { OTEL_SDK_DISABLED: 'true' }, spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] })).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(mockSdkLoads).toBe(0);
    expect(trace.getTracer('rcp').startSpan('x').isRecording()).toBe(false);
  });

  it('leaves every traceparent as it was: the request header as is (or a new trace), the context of the work unchanged', async () => {
    expect(requestTrace(CALLER, 'GET', '/v1/tenants')).toEqual({ traceparent: CALLER });
    for (const bad of [undefined, 'nonsense', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', ['x']]) {
      const { traceparent, span } = requestTrace(bad, 'GET', '/v1/tenants');
      expect(traceparent).toMatch(TRACEPARENT);
      expect(span).toBeUndefined();
    }
    endRequestTrace(undefined, 'GET', '/v1/tenants', 200);

    const ctx = { correlationId: 'c-1', traceparent: CALLER };
    const seen = await RequestContexts.run(ctx, () =>
      withSpan('command X', { a: 1 }, async (traced) => {
        expect(traced).toBeUndefined();
        return { inner: RequestContexts.current(), current: currentTraceparent() };
      }),
    );
    // The very same context object, not a copy: nothing about the work changed.
    expect(seen.inner).toBe(ctx);
    expect(seen.current).toBeUndefined();
    expect(ctx.traceparent).toBe(CALLER);
    await expect(withSpan('failing', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    recordSpan('relay', {}, { parent: CALLER, startTime: Date.now(), endTime: Date.now() });

    // Work the system starts by itself: a new trace (or `from`'s trace id), as before.
    expect(systemContext('s').traceparent).toMatch(TRACEPARENT);
    expect(traceIdOf(systemContext('s', { traceparent: CALLER }).traceparent)).toBe(traceIdOf(CALLER));
    expect(systemContext('s').span).toBeUndefined();
    // What a job records as its cause: the work's traceparent, none for a system context without a parent.
    expect(RequestContexts.run(ctx, causingTraceparent)).toBe(CALLER);
    expect(RequestContexts.run(systemContext('s'), causingTraceparent)).toBeNull();
    expect(causingTraceparent()).toBeNull();
    expect(acceptTraceparent(CALLER)).toBe(CALLER);
    expect(newTraceparent(traceIdOf(CALLER))).toMatch(new RegExp(`^00-${traceIdOf(CALLER)}-[0-9a-f]{16}-01$`));
  });
});

describe('with tracing on (an in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], env: {} })).toBe(true));
  afterAll(() => shutdownTracing());
  beforeEach(() => exporter.reset());

  /** The one finished span of that name, once exported (the processor exports after the resource's detectors answered). */
  const finished = async (name: string): Promise<ReadableSpan> => {
    await flushTracing();
    const found = exporter.getFinishedSpans().filter((s) => s.name === name);
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0];
  };

  it('loads the SDK once, when started', () => {
    expect(tracingEnabled()).toBe(true);
    expect(mockSdkLoads).toBe(1);
  });

  it('continues a valid incoming traceparent in the server span, which the request then carries; a missing one starts a trace', async () => {
    const { traceparent, span } = requestTrace(CALLER, 'POST', '/v1/environments');
    expect(traceIdOf(traceparent)).toBe(traceIdOf(CALLER));
    expect(spanIdOf(traceparent)).not.toBe(spanIdOf(CALLER));
    endRequestTrace(span, 'POST', '/v1/environments', 202);
    const server = await finished('POST /v1/environments');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext?.spanId).toBe(spanIdOf(CALLER));
    expect(server.attributes).toMatchObject({ 'http.route': '/v1/environments', 'http.response.status_code': 202 });

    const fresh = requestTrace('garbage', 'GET', '/v1/tenants');
    expect(traceIdOf(fresh.traceparent)).not.toBe(traceIdOf(CALLER));
    endRequestTrace(fresh.span, 'GET', undefined, 503);
    const root = await finished('GET');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.status.code).toBe(SpanStatusCode.ERROR);

    // Health checks and scrapes are not traced.
    expect(requestTrace(CALLER, 'GET', '/metrics', false)).toEqual({ traceparent: CALLER });
  });

  it('nests spans through the request context, whose traceparent names the current span inside each', async () => {
    const { traceparent, span } = requestTrace(CALLER, 'POST', '/v1/things');
    const ctx = { correlationId: 'c-2', traceparent, span };
    let inner: string | undefined;
    await RequestContexts.run(ctx, () =>
      withSpan('command DoThing', {}, async (command) => {
        expect(RequestContexts.current()?.traceparent).toBe(command!.traceparent);
        expect(RequestContexts.current()?.correlationId).toBe('c-2');
        await withSpan('outbox append Thing', () => ({ n: 1 }), async (append) => {
          inner = append!.traceparent;
          expect(currentTraceparent()).toBe(inner);
        });
      }),
    );
    endRequestTrace(span, 'POST', '/v1/things', 201);
    expect(ctx.traceparent).toBe(traceparent);
    const [server, command, append] = await Promise.all(['POST /v1/things', 'command DoThing', 'outbox append Thing'].map(finished));
    expect(command.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(append.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(spanIdOf(inner!)).toBe(append.spanContext().spanId);
    expect(new Set([server, command, append].map((s) => s.spanContext().traceId))).toEqual(new Set([traceIdOf(CALLER)]));
  });

  it('makes a span recorded elsewhere (an envelope\'s, a job\'s traceparent) the parent when given, and records failures', async () => {
    await expect(
      withSpan('deliver X to H', {}, async () => Promise.reject(new Error('handler failed')), { parent: CALLER, kind: SpanKind.CONSUMER }),
    ).rejects.toThrow('handler failed');
    const delivery = await finished('deliver X to H');
    expect(delivery.parentSpanContext).toMatchObject({ spanId: spanIdOf(CALLER), isRemote: true });
    expect(delivery.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'handler failed' });
    expect(delivery.events.map((e) => e.name)).toContain('exception');

    const start = Date.now() - 20;
    recordSpan('outbox relay X', { 'rcp.event.position': 7 }, { parent: CALLER, startTime: start, endTime: start + 10 });
    expect((await finished('outbox relay X')).parentSpanContext?.spanId).toBe(spanIdOf(CALLER));
  });

  it('starts a trace for work the system starts by itself, and continues the current one for a system context made inside a span', async () => {
    await RequestContexts.run(systemContext('scheduler'), () => withSpan('command Tick', {}, async () => undefined));
    expect((await finished('command Tick')).parentSpanContext).toBeUndefined();

    await withSpan('executor outcome provision', {}, async (outcome) => {
      const ctx = systemContext('simulated-data-plane');
      expect(ctx.traceparent).toBe(outcome!.traceparent);
      expect(RequestContexts.run(ctx, causingTraceparent)).toBe(outcome!.traceparent);
      await RequestContexts.run(ctx, () => withSpan('command Complete', {}, async () => undefined));
    });
    expect((await finished('command Complete')).parentSpanContext?.spanId).toBe((await finished('executor outcome provision')).spanContext().spanId);
  });

  it('stops: after shutdownTracing every helper calls straight through again', async () => {
    await shutdownTracing();
    expect(tracingEnabled()).toBe(false);
    expect(await withSpan('after', {}, async (traced) => traced)).toBeUndefined();
    expect(requestTrace(CALLER, 'GET', '/x')).toEqual({ traceparent: CALLER });
  });
});
