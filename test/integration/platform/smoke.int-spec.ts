import { startTestApp } from '@rcp/testing';

describe('platform smoke', () => {
  it('serves readiness on its own database', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body.checks).toEqual({ postgres: 'up', migrations: 'up', redis: 'up' });
    } finally {
      await t.close();
    }
  });
});
