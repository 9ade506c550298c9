import { EventCatalogue } from './integration-event';

/** The AsyncAPI 3.0 document of every published event type, generated from the catalogue. */
export function buildAsyncApi(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const e of EventCatalogue.all()) {
    const key = e.type.replace(/\./g, '_').replace(/-/g, '_');
    messages[key] = {
      name: e.type,
      title: e.type,
      summary: e.description,
      contentType: 'application/cloudevents+json',
      payload: {
        type: 'object',
        required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'data', 'moduleid', 'correlationid', 'traceparent', 'aggregatetype', 'aggregateversion'],
        properties: {
          specversion: { const: '1.0' },
          id: { type: 'string', format: 'uuid' },
          source: { const: `/rcp/${e.context}` },
          type: { const: e.type },
          subject: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          datacontenttype: { const: 'application/json' },
          tenantid: { type: 'string' },
          projectid: { type: 'string' },
          moduleid: { const: e.context },
          traceparent: { type: 'string' },
          correlationid: { type: 'string' },
          causationid: { type: 'string' },
          aggregatetype: { type: 'string' },
          aggregateversion: { type: 'string' },
          data: e.schema,
        },
      },
    };
    channels[key] = { address: e.type, messages: { [key]: { $ref: `#/components/messages/${key}` } } };
    operations[`on_${key}`] = { action: 'receive', channel: { $ref: `#/channels/${key}` } };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Runtime Control Plane events',
      version: '1.0.0',
      description: 'Domain events of the Runtime Control Plane as CloudEvents 1.0, read in commit order from the pull feed GET /v1/events.',
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations,
    components: { messages },
  };
}
