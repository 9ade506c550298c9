import { dataSourceOptions } from './database';

describe('dataSourceOptions', () => {
  it('turns TypeORM logging off: it would log every query with its bound parameters', () => {
    expect(dataSourceOptions('postgres://postgres@127.0.0.1:5432/rcp', 2, []).logging).toBe(false);
  });
});

describe('dataSourceOptions limits', () => {
  const extra = (o: ReturnType<typeof dataSourceOptions>) => (o as { extra: Record<string, unknown> }).extra;

  it('sends the runtime pools\' statement and idle-in-transaction limits in the startup message', () => {
    const o = dataSourceOptions('postgres://rcp_system@127.0.0.1:5432/rcp', 10, [], { statementTimeoutMs: 30000, idleInTransactionTimeoutMs: 60000 });
    expect(extra(o)).toMatchObject({ statement_timeout: 30000, idle_in_transaction_session_timeout: 60000 });
  });

  it('sets no limit on the owner\'s connection (migrations may run long)', () => {
    const o = dataSourceOptions('postgres://postgres@127.0.0.1:5432/rcp', 2, []);
    expect(extra(o)).not.toHaveProperty('statement_timeout');
    expect(extra(o)).not.toHaveProperty('idle_in_transaction_session_timeout');
  });
});
