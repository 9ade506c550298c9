import { OpenApiDocument, OpenApiResponses } from './openapi-responses';

const json = { 'content-type': 'application/json; charset=utf-8' };
const problemJson = { 'content-type': 'application/problem+json' };

const document: OpenApiDocument = {
  paths: {
    '/v1/things': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingPage' } } } } } } },
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          '404': { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } } },
        },
      },
      delete: { responses: { '204': {} } },
    },
    '/v1/things/count': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } } } } } } } } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'state', 'labels'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          state: { type: 'string', enum: ['ready', 'failed'] },
          failureReason: { type: 'string', nullable: true },
          owner: { nullable: true, allOf: [{ $ref: '#/components/schemas/Owner' }] },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          data: { type: 'object' },
        },
      },
      Owner: { type: 'object', required: ['sub'], properties: { sub: { type: 'string' } } },
      Page: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array' }, nextCursor: { type: 'string', nullable: true } } },
      ThingPage: { allOf: [{ $ref: '#/components/schemas/Page' }, { properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } } }] },
      ProblemDto: { type: 'object', required: ['code', 'status'], properties: { code: { type: 'string' }, status: { type: 'integer' } } },
    },
  },
};

const ID = '7d7a6c0e-52a4-4a53-a0d5-3f3b1c3d1f09';
const thing = { id: ID, state: 'ready', failureReason: null, owner: { sub: 'a' }, labels: { team: 'x' }, data: { anything: [1] } };
const ok = (body: unknown, headers: Record<string, string> = json, status = 200) => ({ status, headers, body, text: JSON.stringify(body) });

describe('OpenApiResponses', () => {
  const responses = new OpenApiResponses(document);

  it('passes a response that fits, resolving $ref, allOf (a generic page) and nullable', () => {
    expect(responses.problems('GET', `/v1/things/${ID}?x=1`, ok(thing))).toEqual([]);
    expect(responses.problems('GET', '/v1/things', ok({ items: [thing, { ...thing, owner: null }], nextCursor: null }))).toEqual([]);
    expect(responses.problems('DELETE', `/v1/things/${ID}`, { status: 204, headers: {}, body: {}, text: '' })).toEqual([]);
  });

  it('prefers a literal path segment to a parameter', () => {
    expect(responses.route('/v1/things/count')).toBe('/v1/things/count');
    expect(responses.problems('GET', '/v1/things/count', ok({ n: 2 }))).toEqual([]);
  });

  it('reports a field the schema does not declare, a required one missing, a wrong type, enum, format and null', () => {
    const drifted = { ...thing, id: 'nope', state: 'gone', failureReason: 3, extra: true, labels: { team: 1 } } as Record<string, unknown>;
    delete drifted.owner;
    expect(responses.problems('GET', `/v1/things/${ID}`, ok(drifted))).toEqual([
      'GET /v1/things/{id} → 200: $.id: "nope" is not a uuid',
      'GET /v1/things/{id} → 200: $.state: "gone" is not one of ["ready","failed"]',
      'GET /v1/things/{id} → 200: $.failureReason: is integer, the schema wants string',
      'GET /v1/things/{id} → 200: $.labels.team: is integer, the schema wants string',
      'GET /v1/things/{id} → 200: $.extra: not declared in the response schema',
    ]);
    expect(responses.problems('GET', `/v1/things/${ID}`, ok({ ...thing, state: null }))).toEqual([
      'GET /v1/things/{id} → 200: $.state: is null, the schema does not allow null (nullable)',
    ]);
    expect(responses.problems('GET', `/v1/things/${ID}`, ok({ id: ID, state: 'ready' }))).toEqual(['GET /v1/things/{id} → 200: $: lacks required labels']);
    expect(responses.problems('GET', '/v1/things', ok({ items: [{ ...thing, owner: {} }], nextCursor: 5 }))).toEqual([
      'GET /v1/things → 200: $.items[0].owner: lacks required sub',
      'GET /v1/things → 200: $.nextCursor: is integer, the schema wants string',
    ]);
  });

  it('reports an undocumented status, a body where none is documented and an undocumented media type', () => {
    expect(responses.problems('GET', `/v1/things/${ID}`, ok({ code: 'internal', status: 500 }, problemJson, 500))).toEqual([
      'GET /v1/things/{id} → 500: status 500 is not documented (documented: 200, 404)',
    ]);
    expect(responses.problems('DELETE', `/v1/things/${ID}`, ok({ id: ID }, json, 204))).toEqual(['DELETE /v1/things/{id} → 204: answers a application/json but documents no content']);
    expect(responses.problems('GET', `/v1/things/${ID}`, { status: 200, headers: { 'content-type': 'text/html' }, text: '<p>' })).toEqual([
      'GET /v1/things/{id} → 200: answers text/html, documented application/json',
    ]);
  });

  it('checks a problem against the problem schema, also on a path the document does not list', () => {
    expect(responses.problems('GET', `/v1/things/${ID}`, ok({ code: 'not_found', status: 404 }, problemJson, 404))).toEqual([]);
    expect(responses.problems('GET', `/v1/things/${ID}`, ok({ code: 'not_found' }, problemJson, 404))).toEqual(['GET /v1/things/{id} → 404: $: lacks required status']);
    expect(responses.problems('GET', '/v1/nothing', ok({ code: 'not_found', status: '404' }, problemJson, 404))).toEqual([
      'GET /v1/nothing → 404: $.status: is string, the schema wants integer',
    ]);
    expect(responses.problems('GET', '/docs', { status: 200, headers: { 'content-type': 'text/html' }, text: '<html>' })).toEqual([]);
  });

  it('refuses a schema keyword it does not know rather than skipping it', () => {
    const odd = new OpenApiResponses({ paths: { '/x': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'object', if: {} } } } } } } } } });
    expect(odd.problems('GET', '/x', ok({}))).toEqual(['GET /x → 200: $: the schema uses keywords this checker does not know: if']);
  });

  it('throws every finding from assert (what the e2e client runs on each response)', () => {
    expect(() => responses.assert('GET', `/v1/things/${ID}`, ok({ ...thing, extra: 1 }))).toThrow(/\$\.extra: not declared in the response schema/);
  });
});
