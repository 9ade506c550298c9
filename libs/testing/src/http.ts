import type { Server } from 'node:http';
import request from 'supertest';
import { OpenApiResponses } from './openapi-responses';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
type Method = (typeof METHODS)[number];

/** A supertest client of the app: `http().get('/v1/tenants')`. */
export type Http = Pick<ReturnType<typeof request>, Method>;

/**
 * A supertest client whose every response is checked against the OpenAPI document (`responses`), before
 * the test's own `.expect`s: an undocumented status or a body its response class does not describe fails
 * the request. Without a document (a worker-only app serves none) it is plain supertest.
 */
export function checkedHttp(server: Server, responses?: OpenApiResponses): Http {
  const client = request(server);
  const methods = METHODS.map((m) => [m, (url: string) => {
    const test = client[m](url);
    return responses ? test.expect((res) => responses.assert(m, url, res)) : test;
  }]);
  return Object.fromEntries(methods) as Http;
}
