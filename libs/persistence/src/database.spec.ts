import { dataSourceOptions } from './database';

describe('dataSourceOptions', () => {
  it('turns TypeORM logging off: it would log every query with its bound parameters', () => {
    expect(dataSourceOptions('postgres://postgres@127.0.0.1:5432/rcp', 2, []).logging).toBe(false);
  });
});
