/**
 * Checks a value against the JSON Schema subset the event catalogue uses (type, enum, required,
 * properties, additionalProperties, items, minimum, pattern, format uuid/date-time). Stricter than JSON Schema in
 * two ways, because the catalogue is the contract consumers generate code from: a field the data carries
 * must be declared in `properties`, and (with `allCarried`, for a sample of every event of a type) must be
 * listed in `required`. An unknown keyword is an error, so a schema never passes because this checker
 * skipped part of it. The convention tests and, in tests, the outbox writer (every appended event) use it.
 */
const KNOWN = new Set(['type', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'minimum', 'format', 'pattern', 'description']);
const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

type Schema = Record<string, unknown>;

/** The JSON Schema type of a JSON value (`integer` for a whole number). */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export interface SchemaCheckOptions {
  /**
   * The value stands for every event of its type (the convention test's samples), so a field it carries
   * that the schema leaves optional is reported: it should be required. Off for one event on its own,
   * which may carry an optional field.
   */
  allCarried?: boolean;
}

/** The problems found, each as `<path>: <what>`; empty when the value fits. */
export function schemaProblems(schema: Schema, value: unknown, options: SchemaCheckOptions = { allCarried: true }, path = '$'): string[] {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length) return [`${path}: schema uses unsupported keywords ${unknown.join(', ')}`];
  const out: string[] = [];
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${path}: is ${t}, schema wants ${types.join(' or ')}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) out.push(`${path}: ${value} < ${schema.minimum}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${path}: ${value} does not match ${schema.pattern}`);
  if (schema.format && typeof value === 'string' && !FORMATS[schema.format as string]?.test(value)) out.push(`${path}: ${value} is not a ${schema.format}`);
  if (schema.items && Array.isArray(value)) value.forEach((v, i) => out.push(...schemaProblems(schema.items as Schema, v, options, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const required = (schema.required ?? []) as string[];
    for (const key of required) if (!(key in obj)) out.push(`${path}: lacks required ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) {
        if (options.allCarried && !required.includes(key)) out.push(`${path}.${key}: the data always carries it, the schema does not require it`);
        out.push(...schemaProblems(props[key], v, options, `${path}.${key}`));
      } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        out.push(...schemaProblems(schema.additionalProperties as Schema, v, options, `${path}.${key}`));
      } else {
        out.push(`${path}.${key}: not declared in the schema`);
      }
    }
  }
  return out;
}
