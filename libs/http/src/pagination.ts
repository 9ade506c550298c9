import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ProblemException } from './problem';

/** `?limit=&cursor=` of every list. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export const Cursors = {
  encode(key: Record<string, string | number>): string {
    return Buffer.from(JSON.stringify(key)).toString('base64url');
  },
  decode<T extends Record<string, string | number>>(cursor: string | undefined, fields: (keyof T)[]): T | undefined {
    if (!cursor) return undefined;
    try {
      const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
      if (v && typeof v === 'object' && fields.every((f) => ['string', 'number'].includes(typeof v[f]))) return v;
    } catch {
      /* fall through */
    }
    throw new ProblemException('validation_failed', 'cursor is not a cursor this API issued', { errors: [{ field: 'cursor', message: 'is invalid' }] });
  },
};

/** Builds a page from `limit + 1` fetched rows. */
export function pageOf<R, T>(rows: R[], limit: number, map: (r: R) => T, keyOf: (r: R) => Record<string, string | number>): Page<T> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items: items.map(map), nextCursor: more ? Cursors.encode(keyOf(items[items.length - 1])) : null };
}
