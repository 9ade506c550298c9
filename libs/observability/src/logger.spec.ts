import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createRootLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createRootLogger('info', out) };
}

describe('the root logger', () => {
  it('logs a failed query with its message, code and SQL text, but not its parameters or the row values PostgreSQL quotes', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "tenant_bindings_pkey"'), {
      code: '23505',
      detail: 'Key (id)=(secret-tenant) already exists.',
      constraint: 'tenant_bindings_pkey',
    });
    const err = new QueryFailedError('INSERT INTO tenancy.tenant_bindings (id, secret) VALUES ($1, $2)', ['secret-tenant', 's3cr3t-value'], driverError);
    const { lines, logger } = capture();
    logger.error({ err }, 'request failed');
    logger.error({ err: new Error('outer', { cause: err }) }, 'wrapped');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('secret-tenant');
    expect(lines[0]).toMatchObject({
      msg: 'request failed',
      err: { type: 'QueryFailedError', message: expect.stringContaining('duplicate key'), code: '23505', query: expect.stringContaining('VALUES ($1, $2)') },
    });
  });
});
