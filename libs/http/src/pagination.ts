import { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ProblemException } from './problem';

/** The page size of a list request without `?limit=`. */
export const DEFAULT_PAGE_SIZE = 50;

/** `?limit=` of every list (1–200, default 50). */
export class LimitQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

/** `?limit=&cursor=` of every list (the event feed has `after` instead of `cursor`). */
export class PageQuery extends LimitQuery {
  @ApiPropertyOptional({ description: 'Opaque cursor: the `nextCursor` of the previous page', maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The documented class of a page of `item` (`{ items, nextCursor }`), for `@ApiOkResponse({ type })`:
 * `export class JobPage extends PageOf(JobResponse) {}` (the subclass gives the schema its name).
 */
export function PageOf<T>(item: Class<T>): Class<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] }) items: T[];
    @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor: string | null;
  }
  return PageOfItems;
}

/**
 * The kinds of value a keyset cursor may carry, each checked on the way in so that a cursor can only
 * ever become a well-typed value of the sort key, never a query error and never anything else:
 * - `timestamp`: RFC 3339 UTC with up to microseconds (Postgres' precision), e.g. `2025-01-01T00:00:00.000123Z`
 * - `uuid`: a UUID
 * - `position`: a non-negative safe integer (bigserial ids, feed positions)
 * - `slug`: a tenant id (`^[a-z0-9][a-z0-9-]{1,62}$`)
 */
export type KeyKind = 'timestamp' | 'uuid' | 'position' | 'slug';
type ValueOf<K extends KeyKind> = K extends 'position' ? number : string;
/** The decoded cursor of a keyset: exactly its fields, each of its kind. */
export type KeyOf<S extends Record<string, KeyKind>> = { [F in keyof S]: ValueOf<S[F]> };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,512}$/;

function validTimestamp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Round-trips only when every field was in range (no 2025-02-30, no 25:00).
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
}

const CHECKS: Record<KeyKind, (v: unknown) => boolean> = {
  timestamp: validTimestamp,
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  position: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  slug: (v) => typeof v === 'string' && SLUG.test(v),
};

/**
 * A keyset paging toolkit: how one list's cursor looks, and the only way its cursors are made and read.
 * A cursor is base64url JSON of the last row's sort key and nothing else. `decode` accepts exactly the
 * declared fields with values of their kind and returns a fresh object of those fields; anything else
 * (an unknown key such as `projectIds`, a missing one, a wrong type, a date that is not one, bytes that
 * are not JSON) is `400 validation_failed` naming the parameter. Filters and the caller's scope never
 * travel in a cursor: they come from the request and the token each time.
 *
 * ```ts
 * const JOBS = new Keyset({ t: 'timestamp', id: 'uuid' });
 * const { limit, after } = JOBS.read(q);           // q: a PageQuery; after: { t, id } | undefined, or a 400
 * return JOBS.page(rows, limit, toJob, (r) => ({ t: r.cursor_t, id: r.id })); // the Page<T> of the response
 * ```
 */
export class Keyset<S extends Record<string, KeyKind>> {
  private readonly fields: (keyof S & string)[];

  constructor(private readonly shape: S) {
    this.fields = Object.keys(shape).sort() as (keyof S & string)[];
  }

  encode(key: KeyOf<S>): string {
    const out: Record<string, unknown> = {};
    for (const f of this.fields) out[f] = key[f];
    return Buffer.from(JSON.stringify(out)).toString('base64url');
  }

  /** The keyset position of a cursor this API issued; `undefined` without one (or an empty one); 400 for anything else. */
  decode(cursor: string | undefined, param = 'cursor'): KeyOf<S> | undefined {
    if (cursor === undefined || cursor === '') return undefined;
    const value = this.parse(cursor);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidCursor(param);
    const keys = Object.keys(value).sort();
    if (keys.length !== this.fields.length || keys.some((k, i) => k !== this.fields[i])) throw invalidCursor(param);
    const out = {} as KeyOf<S>;
    for (const f of this.fields) {
      const v = (value as Record<string, unknown>)[f];
      if (!CHECKS[this.shape[f]](v)) throw invalidCursor(param);
      out[f] = v as KeyOf<S>[typeof f];
    }
    return out;
  }

  /** A list request's page size and the position it continues after (a 400 for a cursor this keyset did not issue). */
  read(q: { limit?: number; cursor?: string }): { limit: number; after: KeyOf<S> | undefined } {
    return { limit: q.limit ?? DEFAULT_PAGE_SIZE, after: this.decode(q.cursor) };
  }

  /** A page from `limit + 1` fetched rows: the extra row only tells that more follow. */
  page<R, T>(rows: R[], limit: number, map: (r: R) => T, keyOf: (r: R) => KeyOf<S>): Page<T> {
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: items.map(map), nextCursor: more ? this.encode(keyOf(items[items.length - 1])) : null };
  }

  private parse(cursor: string): unknown {
    if (!BASE64URL.test(cursor)) return undefined;
    try {
      return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  }
}

function invalidCursor(param: string): ProblemException {
  return new ProblemException('validation_failed', `${param} is not a cursor this API issued: pass the nextCursor of the previous page unchanged`, {
    errors: [{ field: param, message: 'is not a cursor this API issued' }],
  });
}

/**
 * A `timestamptz` column as a cursor timestamp with Postgres' full microsecond precision, for keysets
 * on a time column whose values are not whole milliseconds (a JavaScript `Date` would round them and
 * the next page would skip or repeat rows). Use it as a selected column and in `keyOf`.
 */
export const cursorTimestampSql = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
