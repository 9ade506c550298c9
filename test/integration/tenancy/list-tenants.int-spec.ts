import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { startTestApp } from '@rcp/testing';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { OnboardTenantCommand } from '../../../src/contexts/tenancy/application/commands/onboard-tenant/onboard-tenant.command';
import { ListTenantsQuery } from '../../../src/contexts/tenancy/application/queries/list-tenants/list-tenants.query';

type App = Awaited<ReturnType<typeof startTestApp>>;
const quotas = { maxEnvironments: 2, maxServicesPerEnvironment: 5, maxReplicasPerService: 4, maxTotalReplicas: 20 };
const asOperator = <T>(fn: () => Promise<T>) =>
  RequestContexts.run({ ...systemContext('test'), actor: { sub: 'ops', kind: 'user', tenantId: null, roles: ['platform:admin'] } }, fn);

// Setting up onboards 60 tenants through the command bus: more than the 5 s default on a loaded 2-core runner.
jest.setTimeout(30_000);

describe('tenancy: listing tenants', () => {
  let t: App;

  beforeAll(async () => {
    t = await startTestApp();
    const commands = t.app.get(CommandBus);
    for (let i = 0; i < 60; i++) {
      const id = `tenant-${String(i).padStart(2, '0')}`;
      await asOperator(() => commands.execute(new OnboardTenantCommand({ id, displayName: id, isolationMode: 'pooled', quotas })));
    }
  });
  afterAll(() => t.close());

  it('reads a page of 50 tenants and their usage in a bounded number of statements, not one per tenant', async () => {
    // Every statement of any TypeORM runner; only those on tenancy's tables are the list's (workers read the platform schema).
    const query = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    try {
      const page = await asOperator(() => t.app.get(QueryBus).execute(new ListTenantsQuery({ limit: 50 })));
      expect(page.items).toHaveLength(50);
      expect(page.items[0]).toMatchObject({ id: 'tenant-00', overQuota: false });
      expect(page.nextCursor).not.toBeNull();
      const tenancyStatements = query.mock.calls.filter(([sql]) => /\btenancy"?\./.test(sql));
      expect(tenancyStatements.length).toBeGreaterThan(0);
      expect(tenancyStatements.length).toBeLessThanOrEqual(3);
    } finally {
      query.mockRestore();
    }
  });
});
