import { escapeLiteral } from 'pg';
import { inlineParams, sqlLiteral, SqlWhere } from './inline-sql';

describe('inlining parameters for one simple-protocol message', () => {
  it('quotes text with the driver\'s escapeLiteral, so quotes and backslashes stay inside the literal', () => {
    expect(sqlLiteral("O'Brien", escapeLiteral)).toBe("'O''Brien'");
    // pg writes a string with a backslash as an E'' literal (with a leading space), backslash doubled.
    expect(sqlLiteral('a\\b', escapeLiteral)).toBe(" E'a\\\\b'");
    const injection = "x'; DROP TABLE tenancy.tenant_bindings; --";
    expect(inlineParams('SELECT * FROM t WHERE id = $1', [injection], escapeLiteral)).toBe("SELECT * FROM t WHERE id = 'x''; DROP TABLE tenancy.tenant_bindings; --'");
  });

  it('converts values as the driver converts parameters: null, numbers, booleans, dates, arrays, objects, buffers', () => {
    expect(sqlLiteral(null, escapeLiteral)).toBe('NULL');
    expect(sqlLiteral(undefined, escapeLiteral)).toBe('NULL');
    expect(sqlLiteral(42, escapeLiteral)).toBe("'42'");
    expect(sqlLiteral(true, escapeLiteral)).toBe("'true'");
    expect(sqlLiteral(new Date('2026-12-04T10:00:00.123Z'), escapeLiteral)).toMatch(/^'2026-12-04T\d\d:00:00\.123[+-]\d\d:\d\d'$/);
    expect(sqlLiteral(['a', 'b,c', 'd"e', null], escapeLiteral)).toBe(` E'{"a","b,c","d\\\\"e",NULL}'`);
    expect(sqlLiteral({ k: "it's" }, escapeLiteral)).toBe(`'{"k":"it''s"}'`);
    expect(sqlLiteral(Buffer.from([0xde, 0xad]), escapeLiteral)).toBe(" E'\\\\xdead'::bytea");
  });

  it('refuses a NUL character, which would end the message (Postgres text cannot hold one either)', () => {
    expect(() => sqlLiteral('a\u0000b', escapeLiteral)).toThrow(/NUL/);
  });

  it('replaces placeholders outside quoted text only, $10 as a whole', () => {
    const params = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    expect(inlineParams(`SELECT '$1', "$2", $1, $10, E'it\\'s $3' FROM x`, params, escapeLiteral)).toBe(`SELECT '$1', "$2", 'v1', 'v10', E'it\\'s $3' FROM x`);
    expect(inlineParams('SELECT $1::text[]', [['a']], escapeLiteral)).toBe(`SELECT '{"a"}'::text[]`);
  });

  it('refuses what it cannot inline safely: a missing value, dollar quoting, comments, unterminated text', () => {
    expect(() => inlineParams('SELECT $2', ['a'], escapeLiteral)).toThrow(/\$2 has no value/);
    expect(() => inlineParams('SELECT $1', [], escapeLiteral)).toThrow(/no values/);
    expect(() => inlineParams('SELECT $$x$$, $1', ['a'], escapeLiteral)).toThrow(/dollar quoting/);
    expect(() => inlineParams('SELECT $1 -- note', ['a'], escapeLiteral)).toThrow(/comments/);
    expect(() => inlineParams("SELECT 'open, $1", ['a'], escapeLiteral)).toThrow(/unterminated/);
    expect(inlineParams('SELECT 1', undefined, escapeLiteral)).toBe('SELECT 1');
  });

  it('builds a WHERE clause and its parameters together', () => {
    const q = new SqlWhere();
    expect(q.clause()).toBe('');
    q.and(`tenant_id = ${q.param('acme')}`).and(`state = ${q.param('ready')}`);
    expect(q.clause()).toBe('WHERE tenant_id = $1 AND state = $2');
    expect(q.params).toEqual(['acme', 'ready']);
  });
});
