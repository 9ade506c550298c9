/**
 * Checks HTTP responses against the OpenAPI 3.0 document the application serves (`/docs-json`): the
 * status must be documented for that path and method, and the body must fit the schema documented for
 * that status and media type (problems against `ProblemDto`). Objects that declare `properties` are
 * closed: a field the endpoint returns but its response class does not declare is a finding, as is a
 * required one it leaves out. An unknown schema keyword is a finding too, so nothing passes because this
 * checker skipped part of a schema. Every e2e request goes through it (`TestApp.http()`).
 */
import { typeOf } from '../../messaging/src/json-schema';

type Schema = Record<string, unknown>;

interface OpenApiResponse {
  content?: Record<string, { schema?: Schema }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** What a response looks like to the checker (a supertest response fits). */
export interface ResponseLike {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

const ANNOTATIONS = new Set(['description', 'example', 'examples', 'title', 'default', 'readOnly', 'writeOnly', 'deprecated', 'externalDocs']);
const KEYWORDS = new Set([
  '$ref', 'type', 'nullable', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'allOf', 'oneOf', 'anyOf',
  'format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'maxProperties', 'minProperties',
]);
const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uri: /^[a-z][a-z0-9+.-]*:\S*$/i,
};
/** Formats that only describe a number's width or a string's use: nothing to check. */
const ANNOTATION_FORMATS = new Set(['int32', 'int64', 'float', 'double', 'binary', 'byte', 'password']);
const PROBLEM_REF = '#/components/schemas/ProblemDto';

export class OpenApiResponses {
  private readonly routes: Array<{ template: string; pattern: RegExp; params: number }>;

  constructor(readonly document: OpenApiDocument) {
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}/?$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.params - b.params); // a literal segment wins over a parameter
  }

  /** The documented path template `path` (without its query) falls under, if any. */
  route(path: string): string | undefined {
    return this.routes.find((r) => r.pattern.test(path))?.template;
  }

  /** What is wrong with one response, one message a finding; empty when it fits the document. */
  problems(method: string, url: string, res: ResponseLike): string[] {
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0];
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const template = this.route(path);
    const op = template ? this.document.paths[template][method.toLowerCase()] : undefined;
    const where = `${method.toUpperCase()} ${template ?? path} → ${res.status}`;
    if (!op) {
      // Not an operation of the API (unknown route, /docs): only a problem it answers is checked.
      return contentType === 'application/problem+json' ? this.fit({ $ref: PROBLEM_REF }, res.body, where) : [];
    }
    const responses = op.responses ?? {};
    const documented = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
    if (!documented) return [`${where}: status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
    if (method.toLowerCase() === 'head') return [];
    const hasBody = res.text !== undefined && res.text !== '';
    if (!documented.content) return hasBody ? [`${where}: answers a ${contentType || 'body'} but documents no content`] : [];
    const media = documented.content[contentType];
    if (!media) return [`${where}: answers ${contentType || 'no content type'}, documented ${Object.keys(documented.content).join(', ')}`];
    if (!media.schema || !/json$/.test(contentType)) return [];
    return this.fit(media.schema, res.body, where);
  }

  /** Throws with every finding when the response does not fit (for a supertest `.expect(fn)`). */
  assert(method: string, url: string, res: ResponseLike): void {
    const found = this.problems(method, url, res);
    if (found.length) throw new Error(`The response does not match /docs-json:\n  ${found.join('\n  ')}\nBody: ${JSON.stringify(res.body)?.slice(0, 2000)}`);
  }

  private fit(schema: Schema, value: unknown, where: string): string[] {
    return this.check(schema, value, '$').map((p) => `${where}: ${p}`);
  }

  private resolve(ref: string): Schema {
    const name = ref.replace(/^#\/components\/schemas\//, '');
    const target = this.document.components?.schemas?.[name];
    if (!ref.startsWith('#/components/schemas/') || !target) throw new Error(`unresolvable $ref ${ref}`);
    return target;
  }

  /** One schema with its `$ref` and `allOf` members merged in (later properties win, as in a generic page). */
  private flatten(schema: Schema): Schema {
    let s = schema;
    if (typeof s.$ref === 'string') {
      const { $ref, ...rest } = s;
      s = { ...this.flatten(this.resolve($ref as string)), ...rest };
    }
    if (!Array.isArray(s.allOf)) return s;
    const { allOf, ...rest } = s;
    const merged: Schema = {};
    for (const part of [...(allOf as Schema[]).map((p) => this.flatten(p)), rest]) {
      const properties = { ...((merged.properties as Schema) ?? {}), ...((part.properties as Schema) ?? {}) };
      const required = [...((merged.required as string[]) ?? []), ...((part.required as string[]) ?? [])];
      Object.assign(merged, part);
      if (Object.keys(properties).length) merged.properties = properties;
      if (required.length) merged.required = [...new Set(required)];
    }
    return merged;
  }

  private check(raw: Schema, value: unknown, path: string): string[] {
    const schema = this.flatten(raw);
    const unknown = Object.keys(schema).filter((k) => !KEYWORDS.has(k) && !ANNOTATIONS.has(k));
    if (unknown.length) return [`${path}: the schema uses keywords this checker does not know: ${unknown.join(', ')}`];
    const t = typeOf(value);
    if (t === 'undefined') return [`${path}: no value (an empty body?)`];
    if (value === null) {
      const allowsNull = schema.nullable === true || ([] as unknown[]).concat(schema.type ?? []).includes('null') || Object.keys(schema).every((k) => ANNOTATIONS.has(k));
      return allowsNull ? [] : [`${path}: is null, the schema does not allow null (nullable)`];
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const options = schema[key] as Schema[] | undefined;
      if (options && !options.some((o) => this.check(o, value, path).length === 0)) return [`${path}: fits none of its ${key} schemas`];
    }
    if (schema.type !== undefined) {
      const types = ([] as string[]).concat(schema.type as string | string[]);
      if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${path}: is ${t}, the schema wants ${types.join(' or ')}`];
    }
    const out: string[] = [];
    if (schema.enum && !(schema.enum as unknown[]).includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum) out.push(`${path}: ${value} < minimum ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum) out.push(`${path}: ${value} > maximum ${schema.maximum}`);
    }
    if (typeof value === 'string') {
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
      const format = schema.format as string | undefined;
      if (format && !ANNOTATION_FORMATS.has(format)) {
        if (!FORMATS[format]) out.push(`${path}: unknown format ${format}`);
        else if (!FORMATS[format].test(value)) out.push(`${path}: ${JSON.stringify(value)} is not a ${format}`);
      }
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((v, i) => out.push(...this.check(schema.items as Schema, v, `${path}[${i}]`)));
    }
    if (t === 'object') {
      const obj = value as Record<string, unknown>;
      const props = schema.properties as Record<string, Schema> | undefined;
      const extra = schema.additionalProperties;
      const keys = Object.keys(obj);
      if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) out.push(`${path}: more than ${schema.maxProperties} properties`);
      if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) out.push(`${path}: fewer than ${schema.minProperties} properties`);
      for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in obj)) out.push(`${path}: lacks required ${key}`);
      for (const key of keys) {
        if (props?.[key]) out.push(...this.check(props[key], obj[key], `${path}.${key}`));
        else if (extra && typeof extra === 'object') out.push(...this.check(extra as Schema, obj[key], `${path}.${key}`));
        // An object with declared properties is closed unless it says otherwise; one without is free-form.
        else if (props && extra !== true) out.push(`${path}.${key}: not declared in the response schema`);
      }
    }
    return out;
  }
}
