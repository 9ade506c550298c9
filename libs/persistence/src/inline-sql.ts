// The driver's own parameter conversion (not in @types/pg): what `query(sql, params)` would send.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

/** A statement with `$n` placeholders and their values, as `query(sql, params)` takes them. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/**
 * The SQL literal of a parameter value, converted exactly as the `pg` driver converts a parameter
 * (`prepareValue`: arrays to array literals, dates to timestamps with their offset, objects to JSON,
 * buffers to bytea) and quoted by `escape` — the driver's own `escapeLiteral`, never by hand. `null`
 * and `undefined` are `NULL`. The literal is untyped, as a parameter is: the statement's context (or its
 * `::type` cast) gives it a type.
 */
export function sqlLiteral(value: unknown, escape: (text: string) => string): string {
  const prepared = prepareValue(value) as unknown;
  if (prepared === null || prepared === undefined) return 'NULL';
  if (Buffer.isBuffer(prepared)) return `${escape(`\\x${prepared.toString('hex')}`)}::bytea`;
  const text = String(prepared);
  // Postgres text cannot hold NUL (a parameter with one is refused too); in a literal it would end the message.
  if (text.includes('\u0000')) throw new Error('a SQL value contains a NUL character, which Postgres text cannot hold');
  return escape(text);
}

/**
 * `sql` with each `$n` outside quotes replaced by the literal of `params[n-1]`, for a simple-protocol
 * message (which carries no parameters). Quoted text (`'…'`, `"…"`, `E'…'`) is copied as it stands, so a
 * `$1` inside a string literal stays text. Throws on a placeholder without a value, and on SQL this
 * scanner does not follow (dollar-quoted bodies, comments): hot-path statements have neither.
 */
export function inlineParams(sql: string, params: readonly unknown[] | undefined, escape: (text: string) => string): string {
  if (!params || params.length === 0) {
    if (/\$\d/.test(sql)) throw new Error('inlineParams: the statement has placeholders but no values');
    return sql;
  }
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (c === '$') {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (!m) throw new Error('inlineParams: dollar quoting is not supported here');
      const n = Number(m[1]);
      if (n < 1 || n > params.length) throw new Error(`inlineParams: $${n} has no value (${params.length} given)`);
      out += sqlLiteral(params[n - 1], escape);
      i += m[0].length;
    } else if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) {
      throw new Error('inlineParams: comments are not supported here');
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index of the quote closing the one at `start` (a doubled quote is an escaped one; backslashes in E'' strings escape). */
function closingQuote(sql: string, start: number, quote: string): number {
  const escapes = quote === "'" && start > 0 && /[eE]/.test(sql[start - 1]) && !/[A-Za-z0-9_]/.test(sql[start - 2] ?? ' ');
  for (let j = start + 1; j < sql.length; j++) {
    if (escapes && sql[j] === '\\') {
      j++;
      continue;
    }
    if (sql[j] === quote) {
      if (sql[j + 1] === quote) {
        j++;
        continue;
      }
      return j;
    }
  }
  throw new Error('inlineParams: unterminated quoted text');
}

/**
 * Builds a statement's WHERE clause and its parameters together, for hand-written hot-path reads:
 * `const q = new SqlWhere(); q.and(`tenant_id = ${q.param(t)}`)` … `{ sql: `SELECT … ${q.clause()}`, params: q.params }`.
 */
export class SqlWhere {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** The placeholder of a new parameter with `value`. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** `WHERE a AND b`, or '' without conditions. */
  clause(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}
