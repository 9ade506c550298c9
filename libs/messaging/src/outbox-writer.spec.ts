import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Settings } from '@rcp/config';
import { RequestContexts, flushTracing, requestTrace, shutdownTracing, startTracing } from '@rcp/observability';
import type { TransactionManager } from '@rcp/persistence';
import { IntegrationEvent, PublishedEvent } from './integration-event';
import { OutboxWriter } from './outbox-writer';
import type { RelayWakeup } from './relay-wakeup';

@PublishedEvent({
  type: 'rcp.outboxtest.thing-happened.v1',
  description: 'Test-only: a thing happened.',
  schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
})
class ThingHappened extends IntegrationEvent<{ n: number }> {}

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The writer over a transaction that only collects what it would send with COMMIT. */
function writer() {
  const deferred: Array<{ sql: string; params: unknown[] }> = [];
  const tx = { deferToCommit: async (s: { sql: string; params: unknown[] }) => void deferred.push(s), afterCommit: () => undefined } as unknown as TransactionManager;
  const outbox = new OutboxWriter(tx, { outboxChanged: () => undefined } as unknown as RelayWakeup, { NODE_ENV: 'development' } as Settings);
  const append = () => outbox.append({ aggregateType: 'Thing', aggregateId: 't-1', aggregateVersion: 1, tenantId: 'acme', events: [new ThingHappened({ n: 1 })] });
  return { append, deferred };
}

describe('OutboxWriter: the envelope traceparent', () => {
  it('with tracing off, is the traceparent of the work that recorded the event, as it is', async () => {
    const { append } = writer();
    const [env] = await RequestContexts.run({ correlationId: 'c-1', traceparent: CALLER }, append);
    expect(env.traceparent).toBe(CALLER);
    expect(env.correlationid).toBe('c-1');
    // Outside any work (nothing should append there): the fixed placeholder, as before.
    const [orphan] = await append();
    expect(orphan.traceparent).toBe('00-00000000000000000000000000000001-0000000000000001-01');
  });

  describe('with tracing on', () => {
    const exporter = new InMemorySpanExporter();
    beforeAll(() => expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)], env: {} })).toBe(true));
    afterAll(() => shutdownTracing());

    it('names the outbox append span, a child of the current span (the command\'s, the request\'s), in the same trace', async () => {
      const { append, deferred } = writer();
      const { traceparent, span } = requestTrace(CALLER, 'POST', '/v1/things');
      const [env] = await RequestContexts.run({ correlationId: 'c-2', traceparent, span }, append);
      span!.end();
      await flushTracing();
      const appended = exporter.getFinishedSpans().find((s) => s.name === 'outbox append Thing')!;
      expect(appended.attributes).toMatchObject({ 'rcp.event.types': ['rcp.outboxtest.thing-happened.v1'], 'rcp.aggregate.id': 't-1', 'messaging.batch.message_count': 1 });
      expect(appended.parentSpanContext?.spanId).toBe(span!.spanContext().spanId);
      expect(env.traceparent).toBe(`00-${CALLER.split('-')[1]}-${appended.spanContext().spanId}-01`);
      // What is stored is what was returned.
      expect(JSON.parse(deferred[0].params[6] as string).traceparent).toBe(env.traceparent);
    });
  });
});
