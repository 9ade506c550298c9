import { documentApiConventions, findOpenApiDrift } from './openapi';

const ok = { description: 'The thing', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } };
const problem = { description: 'validation_failed', content: {} };

describe('findOpenApiDrift', () => {
  it('finds nothing in a document that describes what the product does', () => {
    const doc = {
      paths: {
        '/metrics': { get: { responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
        '/v1/things': {
          get: { parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }], responses: { 200: ok, 400: problem } },
          post: { requestBody: {}, responses: { 201: ok, 400: problem } },
        },
      },
      components: { schemas: { Thing: { type: 'object', properties: { replicas: { type: 'integer' }, errorRate: { type: 'number' }, cpu: { type: 'number' } } } } },
    };
    expect(findOpenApiDrift(doc, { requiredPaths: ['/metrics'] })).toEqual([]);
  });

  it('names a missing path, an empty description, a count typed number and an undocumented 400', () => {
    const doc = {
      paths: {
        '/v1/things/{id}': {
          get: { parameters: [{ name: 'id', in: 'path', schema: { type: 'number' } }], responses: { 200: { ...ok, description: '' } } },
          delete: { responses: { 204: { description: 'Gone' } } },
        },
      },
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: {
              version: { type: 'number' },
              quota: { type: 'object', properties: { maxEnvironments: { type: 'number' }, maxErrorRate: { type: 'number' } } },
              items: { type: 'array', items: { type: 'object', properties: { readyReplicas: { type: 'number' } } } },
            },
          },
        },
      },
    };
    expect(findOpenApiDrift(doc, { requiredPaths: ['/metrics'] })).toEqual([
      '/metrics is missing',
      'Thing.version counts something: type it integer, not number',
      'Thing.quota.maxEnvironments counts something: type it integer, not number',
      'Thing.items[].readyReplicas counts something: type it integer, not number',
      'GET /v1/things/{id} parameter id counts something: type it integer, not number',
      'GET /v1/things/{id} response 200 has no description',
      'DELETE /v1/things/{id} can answer 400 validation_failed but does not document it',
    ]);
  });
});

describe('documentApiConventions', () => {
  it('documents Idempotency-Key and its 400/409/422 and a body\'s 413/415 on every mutation, the 400 of If-Match, and 429/500 everywhere, keeping statuses in order', () => {
    const doc = documentApiConventions({
      paths: {
        '/v1/things/{id}': {
          get: { parameters: [{ name: 'If-Match', in: 'header' }], responses: { 200: ok, 404: problem } },
          delete: { responses: { 202: ok, 404: problem } },
        },
        '/healthz': { get: { responses: { 200: ok } } },
      },
    } as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>> });
    const item = doc.paths['/v1/things/{id}'];
    expect(Object.keys(item.get.responses)).toEqual(['200', '400', '404', '429', '500']);
    expect(Object.keys(item.delete.responses)).toEqual(['202', '400', '404', '409', '413', '415', '422', '429', '500']);
    expect(item.delete.parameters?.map((p) => p.name)).toEqual(['Idempotency-Key']);
    // Not rate limited: no 429.
    expect(Object.keys(doc.paths['/healthz'].get.responses)).toEqual(['200', '500']);
    expect(findOpenApiDrift(doc)).toEqual([]);
  });

  it('lets a nullable property that refers to a schema, or is one of several, be null as OpenAPI 3.0.3 reads nullable', () => {
    const ref = { $ref: '#/components/schemas/CauseDto' };
    const nullOnly = { type: 'object', nullable: true, enum: [null] };
    const doc = documentApiConventions({
      paths: {},
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: {
              cause: { nullable: true, description: 'why', type: 'object', allOf: [ref] },
              value: { nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }] },
              plain: { nullable: true, type: 'string' },
              required: { type: 'object', allOf: [ref] },
            },
          },
        },
      },
    });
    const props = (doc.components.schemas.Thing as { properties: Record<string, unknown> }).properties;
    expect(props.cause).toEqual({ nullable: true, description: 'why', oneOf: [ref, nullOnly] });
    expect(props.value).toEqual({ nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }, nullOnly] });
    expect(props.plain).toEqual({ nullable: true, type: 'string' });
    expect(props.required).toEqual({ type: 'object', allOf: [ref] });
    // Applied twice, it adds nothing more.
    documentApiConventions(doc);
    expect((props.value as { oneOf: unknown[] }).oneOf).toHaveLength(3);
  });
});
