import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { loadOpenApiClientModule } from '../support/openapi-typescript';

const { buildOpenApiDocument, CLIENT_TYPES_FILE, generateClientTypes } = loadOpenApiClientModule();

jest.setTimeout(120_000);

/**
 * The OpenAPI document is usable by a generator no one here wrote: openapi-typescript turns the document
 * `/docs-json` serves (built in-process, as `npm run lint:openapi` builds it) into the types the demo's
 * openapi-fetch client is typed with, and the committed scripts/demo/rcp-api.d.ts is exactly what it
 * generates today, so the demo (and anyone copying it) never compiles against a stale contract. After
 * changing a controller or a DTO, run `npm run client:generate`.
 */
describe('The demo client types (scripts/demo/rcp-api.d.ts)', () => {
  let generated: string;

  beforeAll(async () => {
    generated = await generateClientTypes(await buildOpenApiDocument());
  });

  it('are what openapi-typescript generates from the OpenAPI document (npm run client:generate)', () => {
    const committed = readFileSync(CLIENT_TYPES_FILE, 'utf8').split('\n');
    const fresh = generated.split('\n');
    const at = committed.findIndex((line, i) => line !== fresh[i]);
    const first = at === -1 && committed.length === fresh.length ? null : Math.max(at, 0) + 1;
    expect({
      file: relative(process.cwd(), CLIENT_TYPES_FILE),
      firstDifferentLine: first && { line: first, committed: committed[first - 1], generated: fresh[first - 1] },
    }).toEqual({ file: expect.any(String), firstDifferentLine: null });
  });

  it('type every path the demo calls, and no field of a schema as an object the document leaves without its content', () => {
    for (const path of ['/v1/tenants', '/v1/environments/{id}', '/v1/deployments/{id}/promote', '/v1/environments/{id}/desired-state', '/v1/drift-findings/{id}', '/v1/webhook-subscriptions']) {
      expect(generated).toContain(`    "${path}": {`);
    }
    // A field whose schema is an object with neither properties nor additionalProperties becomes
    // `Record<string, never>`: a client could read nothing from it (a label map, the readiness checks).
    const schemas = generated.slice(generated.indexOf('\n    schemas: {'), generated.indexOf('\n    responses: '));
    expect(schemas.length).toBeGreaterThan(1000);
    expect(schemas.split('\n').filter((l) => l.includes('Record<string, never>')).map((l) => l.trim())).toEqual([]);
  });
});
