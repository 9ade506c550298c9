import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Pool } from 'pg';
import { shutdownTracing, startTracing } from '@rcp/observability';
import { RunningExecutor, SimulatedWorld, simulatorPoolOptions, startExecutorServer, worldSettingsOf } from '@rcp/simulator';
import { GivenTenant, environmentIn, eventsOf, eventually, freePort, givenTenant, platformTokens, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

/** Relay, handler and job hops across applications: seconds, not milliseconds. */
jest.setTimeout(60_000);

const FAST = { SIMULATED_LATENCY_MS: '50', RELAY_IDLE_MAX_MS: '50', JOB_BACKOFF_BASE_MS: '20', DELIVERY_BACKOFF_BASE_MS: '10' };
const REQUESTED = 'rcp.inventory.environment-requested.v1';
const READY = 'rcp.inventory.environment-ready.v1';
const EXECUTOR_SECRET = 'tracing-e2e-executor-secret';

const exporter = new InMemorySpanExporter();
// Every application of this file exports to the one in-memory exporter; closing one only flushes.
beforeAll(() => expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], role: 'test', stopWithApplication: false })).toBe(true));
afterAll(() => shutdownTracing());

const spanId = (s: ReadableSpan) => s.spanContext().spanId;
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const traceparentOf = (s: ReadableSpan) => `00-${s.spanContext().traceId}-${spanId(s)}-01`;
const deliveriesOf = (spans: ReadableSpan[], type: string) => spans.filter((s) => s.name.startsWith(`deliver ${type} to `));

/**
 * Requests an environment as `tenant` with a caller's traceparent, waits until it is ready and until
 * `done` says the chain's spans are in, with no span waiting for its parent to end; returns the
 * trace's finished spans and helpers to read them.
 */
async function tracedEnvironmentRequest(app: App, tenant: GivenTenant, done: (spans: ReadableSpan[]) => boolean) {
  const traceId = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');
  const res = await app
    .http()
    .post('/v1/environments')
    .set('authorization', `Bearer ${tenant.admin}`)
    .set('traceparent', `00-${traceId}-${callerSpan}-01`)
    .send({ name: `traced-${randomBytes(3).toString('hex')}`, projectId: 'web', type: 'staging', region: 'eu-west-1' });
  expect(res.status).toBe(202);
  await environmentIn(app, tenant, res.body.id, 'ready');
  /** Finished spans whose parent is not (yet) among the trace's finished spans, but the caller's. */
  const orphansIn = (spans: ReadableSpan[]) => {
    const ids = new Set(spans.map(spanId));
    return spans.filter((s) => parentId(s) !== callerSpan && !ids.has(parentId(s) ?? ''));
  };
  const spans = await eventually(
    async () => {
      const s = exporter.getFinishedSpans().filter((x) => x.spanContext().traceId === traceId);
      return done(s) && orphansIn(s).length === 0 && s;
    },
    20_000,
    50,
    'the traced chain',
  );
  /** The one span of that name (with that parent, when given). */
  const one = (name: string, parent?: ReadableSpan) => {
    const found = spans.filter((s) => s.name === name && (!parent || parentId(s) === spanId(parent)));
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0];
  };
  return { res, envId: res.body.id as string, traceId, callerSpan, spans, one, orphans: () => orphansIn(spans) };
}

/**
 * The api and the worker role as two applications on one database and Redis prefix: the api app
 * serves HTTP and runs commands only, the worker app runs the relay, the handlers, the jobs and the
 * simulated data plane. Nothing passes between them in memory (the worker's work starts from its own
 * polling loops and BullMQ hints), so the trace can only cross from one to the other as it crosses
 * processes: through the traceparent in the event envelope and in the job's ledger row.
 */
describe('Tracing across the api and the worker role (e2e)', () => {
  let api: App;
  let worker: App;

  beforeAll(async () => {
    api = await startTestApp({ ...FAST, RCP_ROLE: 'api' });
    worker = await startTestApp({ ...FAST, RCP_ROLE: 'worker' }, { url: api.dbUrl, prefix: api.redisPrefix });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('shows a request and everything it caused in one trace: command, outbox append, relay, handlers in other contexts, jobs, the executor call and its outcome', async () => {
    const tenant = await givenTenant(api);
    const { res, envId, traceId, callerSpan, spans, one, orphans } = await tracedEnvironmentRequest(
      api,
      tenant,
      (s) => deliveriesOf(s, REQUESTED).length >= 5 && deliveriesOf(s, READY).length >= 5,
    );

    // The request's server span continues the caller's traceparent and answers with its own.
    const server = one('POST /v1/environments');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext).toMatchObject({ traceId, spanId: callerSpan, isRemote: true });
    expect(server.attributes).toMatchObject({ 'http.route': '/v1/environments', 'http.response.status_code': 202 });
    expect(res.headers.traceparent).toBe(traceparentOf(server));

    // The command is a child of the request; its outbox append a child of the command.
    const command = one('command RequestEnvironmentCommand');
    expect(parentId(command)).toBe(spanId(server));
    const append = one('outbox append RuntimeEnvironment', command);
    expect(append.kind).toBe(SpanKind.PRODUCER);
    expect(append.attributes['rcp.event.types']).toEqual([REQUESTED]);

    // The event names the append as its parent, and that is how the worker's spans find it.
    const [requested] = await eventsOf(api, envId, REQUESTED);
    expect(requested.traceparent).toBe(traceparentOf(append));

    // The worker's relay claim and every handler's delivery descend from the append.
    const relayed = one(`outbox relay ${REQUESTED}`);
    expect(parentId(relayed)).toBe(spanId(append));
    expect(relayed.attributes['messaging.message.id']).toBe(requested.id);
    const deliveries = deliveriesOf(spans, REQUESTED);
    for (const d of deliveries) {
      expect(parentId(d)).toBe(spanId(append));
      expect(d.kind).toBe(SpanKind.CONSUMER);
      expect(d.attributes['messaging.message.id']).toBe(requested.id);
    }
    // Handlers of other contexts: tenancy's usage, configuration's, drift's and health's projections, access's.
    expect(deliveries.map((d) => d.attributes['rcp.handler'])).toEqual(
      expect.arrayContaining([
        'ProjectUsageOnInventoryEventsHandler',
        'ProjectEnvironmentOnInventoryEventsHandler',
        'ProjectDriftEnvironmentOnInventoryEventsHandler',
        'ProjectHealthEnvironmentOnInventoryEventsHandler',
        'ProjectAccessEnvironmentOnInventoryEventsHandler',
      ]),
    );

    // The provisioning job was enqueued by the command: its ledger row carries the command's traceparent,
    // and its run (in the worker) is the command's child.
    const [job] = await api.asOwner(`SELECT traceparent FROM platform.jobs WHERE id = $1`, [res.body.jobId]);
    expect(job.traceparent).toBe(traceparentOf(command));
    const provision = one('job inventory.provision-environment');
    expect(parentId(provision)).toBe(spanId(command));
    expect(provision.attributes).toMatchObject({ 'rcp.job.id': res.body.jobId, 'rcp.job.outcome': 'awaiting' });
    // The job's command starts the attempt (its own append's events are in this trace too) and
    // enqueues the dispatch step; the step calls the data plane.
    const attempt = one('command StartOperationAttemptCommand');
    expect(parentId(attempt)).toBe(spanId(provision));
    one('outbox append RuntimeEnvironment', attempt);
    const dispatch = one('job inventory.dispatch-operation');
    expect(parentId(dispatch)).toBe(spanId(attempt));
    const executor = one('executor provision');
    expect(parentId(executor)).toBe(spanId(dispatch));
    expect(executor.kind).toBe(SpanKind.CLIENT);
    expect(executor.attributes).toMatchObject({ 'rcp.executor': 'simulated', 'rcp.executor.operation.kind': 'provision' });

    // The data plane's outcome continues the trace of the call that submitted the operation: the
    // command that completes it, the environment's ready event and that event's handlers.
    const outcome = one('executor outcome provision');
    expect(parentId(outcome)).toBe(spanId(executor));
    const complete = one('command CompleteOperationCommand');
    expect(parentId(complete)).toBe(spanId(outcome));
    const readyAppend = one('outbox append RuntimeEnvironment', complete);
    const [ready] = await eventsOf(api, envId, READY);
    expect(ready.traceparent).toBe(traceparentOf(readyAppend));
    for (const d of deliveriesOf(spans, READY)) expect(parentId(d)).toBe(spanId(readyAppend));

    // One tree: every span's parent is in the trace, but the server span's (the caller's).
    expect(orphans().map((s) => s.name)).toEqual([]);
  });

  it('answers a request without a traceparent with a new trace whose root is its server span', async () => {
    const res = await api.http().get('/v1/tenants').set('authorization', `Bearer ${platformTokens(api).viewer}`);
    expect(res.status).toBe(200);
    const [, traceId, id] = String(res.headers.traceparent).split('-');
    const server = await eventually(async () => exporter.getFinishedSpans().find((s) => s.spanContext().spanId === id), 5000);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.kind).toBe(SpanKind.SERVER);
  });
});

/**
 * PROVISIONER=http against the simulated executor served over the executor protocol: the executor
 * client sends its span as the `traceparent` header, the executor (here in this process, but reached
 * over HTTP only) sends it back on its signed callback, and the callback's request continues the trace.
 */
describe('Tracing through an http executor and its callback (e2e)', () => {
  let t: App;
  let pool: Pool;
  let executor: RunningExecutor;

  beforeAll(async () => {
    const [simPort, port] = [await freePort(), await freePort()];
    t = await startTestApp({
      ...FAST,
      PROVISIONER: 'http',
      EXECUTOR_URL: `http://127.0.0.1:${simPort}`,
      EXECUTOR_SECRET,
      EXECUTOR_TIMEOUT_MS: '2000',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    pool = new Pool(simulatorPoolOptions(t.dbUrl));
    const world = new SimulatedWorld(pool, worldSettingsOf(t.settings));
    await world.install();
    executor = await startExecutorServer({ world, secret: EXECUTOR_SECRET, port: simPort, tickMs: 50, callbackTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await executor?.close();
    await pool?.end();
    await t?.close();
  });

  it('continues the trace from the executor client over the executor and its callback to the ready event', async () => {
    const tenant = await givenTenant(t);
    const { spans, one, orphans } = await tracedEnvironmentRequest(t, tenant, (s) => deliveriesOf(s, READY).length >= 5);

    const dispatch = one('job inventory.dispatch-operation');
    const [client, served] = [SpanKind.CLIENT, SpanKind.SERVER].map((kind) => {
      const found = spans.filter((s) => s.name === 'executor provision' && s.kind === kind);
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(parentId(client)).toBe(spanId(dispatch));
    expect(client.attributes).toMatchObject({ 'rcp.executor': 'http', 'http.request.method': 'POST', 'url.path': '/operations', 'http.response.status_code': 202 });
    // The executor's side, from the traceparent header it was sent.
    expect(served.parentSpanContext).toMatchObject({ spanId: spanId(client), isRemote: true });
    // Its callback carries the traceparent back: the callback request's server span is the executor's child.
    const callback = one('POST /v1/executor-callbacks/:operationId');
    expect(callback.kind).toBe(SpanKind.SERVER);
    expect(parentId(callback)).toBe(spanId(served));
    const complete = one('command CompleteOperationCommand');
    expect(parentId(complete)).toBe(spanId(callback));
    for (const d of deliveriesOf(spans, READY)) expect(parentId(d)).toBe(spanId(one('outbox append RuntimeEnvironment', complete)));
    expect(orphans().map((s) => s.name)).toEqual([]);
  });
});
