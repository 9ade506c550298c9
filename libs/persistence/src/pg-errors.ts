/** Postgres SQLSTATE of a failed query, if any (TypeORM wraps driver errors). */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
export const isUniqueViolation = (err: unknown) => pgCode(err) === '23505';
/** A serialization failure (40001) or deadlock (40P01): the transaction did nothing and may be run again. */
export const isSerializationFailure = (err: unknown) => pgCode(err) === '40001' || pgCode(err) === '40P01';

/**
 * Rows of a raw query. TypeORM's Postgres driver answers UPDATE and DELETE with `[rows, rowCount]` and
 * every other command with `rows`; this hides the difference.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
