/** The value with every object's keys in order, so that equal values serialize alike whatever order their keys were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

/** Structural equality for small immutable values (the order of their keys does not matter: a jsonb column reorders them). */
export abstract class ValueObject<T extends object> {
  protected constructor(protected readonly props: Readonly<T>) {
    Object.freeze(this.props);
  }
  equals(other?: ValueObject<T>): boolean {
    return !!other && JSON.stringify(canonical(this.props)) === JSON.stringify(canonical(other.props));
  }
  toJSON(): Readonly<T> {
    return this.props;
  }
}
