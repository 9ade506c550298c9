import { Keyset } from './pagination';
import { ProblemException } from './problem';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ID = '3f2b8c1e-9a4d-4c2e-8f1a-2b3c4d5e6f70';

describe('Keyset cursors', () => {
  const keyset = new Keyset({ t: 'timestamp', id: 'uuid' });

  it('round-trips the sort key of the last row, with microseconds', () => {
    const key = { t: '2025-01-01T00:00:00.000123Z', id: ID };
    expect(keyset.decode(keyset.encode(key))).toEqual(key);
    expect(keyset.decode(undefined)).toBeUndefined();
    expect(keyset.decode('')).toBeUndefined(); // `?cursor=` is the first page
  });

  it('returns only the declared fields, never what else a caller put in', () => {
    const encoded = keyset.encode({ t: '2025-01-01T00:00:00Z', id: ID, projectIds: ['web'] } as never);
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString())).toEqual({ id: ID, t: '2025-01-01T00:00:00Z' });
  });

  it.each([
    ['an extra key', enc({ t: '2025-01-01T00:00:00Z', id: ID, projectIds: ['web'] })],
    ['a missing key', enc({ t: '2025-01-01T00:00:00Z' })],
    ['a date that does not exist', enc({ t: '2025-02-30T00:00:00Z', id: ID })],
    ['a date without a zone', enc({ t: '2025-01-01T00:00:00', id: ID })],
    ['a date before 1970', enc({ t: '0001-01-01T00:00:00Z', id: ID })],
    ['an id that is not a UUID', enc({ t: '2025-01-01T00:00:00Z', id: "1' OR '1'='1" })],
    ['numbers for strings', enc({ t: 1, id: 2 })],
    ['an array', enc(['2025-01-01T00:00:00Z', ID])],
    ['null', enc(null)],
    ['JSON that is not an object', enc('cursor')],
    ['bytes that are not JSON', Buffer.from('not json').toString('base64url')],
    ['characters outside base64url', 'abc+/='],
    ['a cursor over 512 characters', 'a'.repeat(513)],
  ])('refuses %s with validation_failed naming the parameter', (_, cursor) => {
    let error: unknown;
    try {
      keyset.decode(cursor, 'after');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ code: 'validation_failed', extras: { errors: [{ field: 'after', message: 'is not a cursor this API issued' }] } });
  });

  it('takes positions as non-negative safe integers only', () => {
    const positions = new Keyset({ p: 'position' });
    expect(positions.decode(enc({ p: 42 }))).toEqual({ p: 42 });
    for (const p of [-1, 1.5, '42', 2 ** 53, null]) expect(() => positions.decode(enc({ p }))).toThrow(ProblemException);
  });

  it('pages limit + 1 rows: the extra row only tells that more follow', () => {
    const positions = new Keyset({ p: 'position' });
    const rows = [1, 2, 3].map((p) => ({ p }));
    const full = positions.page(rows, 2, (r) => r.p, (r) => r);
    expect(full).toEqual({ items: [1, 2], nextCursor: positions.encode({ p: 2 }) });
    expect(positions.page(rows, 3, (r) => r.p, (r) => r)).toEqual({ items: [1, 2, 3], nextCursor: null });
  });
});
