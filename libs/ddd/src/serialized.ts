/**
 * A snapshot as its JSON views carry it: every `Date` (at any depth) an RFC 3339 string, the rest as
 * it is. A view type is then derived from its aggregate's snapshot (`Serialized<Omit<Snapshot, …>>`)
 * instead of restating its fields, so a new field reaches the view with no edit there.
 */
export type Serialized<T> = T extends Date
  ? string
  : T extends Array<infer I>
    ? Array<Serialized<I>>
    : T extends object
      ? { [K in keyof T]: Serialized<T[K]> }
      : T;

/** `value` with every `Date` (at any depth) replaced by its ISO string; plain objects and arrays are copied. */
export function serialized<T>(value: T): Serialized<T> {
  if (value instanceof Date) return value.toISOString() as Serialized<T>;
  if (Array.isArray(value)) return value.map((v) => serialized(v)) as Serialized<T>;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialized(v)])) as Serialized<T>;
  }
  return value as Serialized<T>;
}

/** `value` without the named keys (fields a view does not show). */
export function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
