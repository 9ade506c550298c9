import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, PLATFORM_ROLE, tenantIsolation } from './rls';

/** Health's read model of rollouts (from the deployment context's events): no scaling decision while one of the service is unfinished. */
export class HealthRollouts1764000019100 implements MigrationInterface {
  name = 'HealthRollouts1764000019100';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE TABLE health.rollouts (
         deployment_id uuid PRIMARY KEY,
         environment_id uuid NOT NULL,
         service text NOT NULL,
         tenant_id text NOT NULL,
         active boolean NOT NULL,
         source_version integer NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX rollouts_active ON health.rollouts (environment_id, service) WHERE active`,
      `GRANT SELECT, INSERT, UPDATE ON health.rollouts TO ${APP_ROLE}`,
      `GRANT DELETE ON health.rollouts TO ${PLATFORM_ROLE}`,
      ...tenantIsolation('health.rollouts'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE health.rollouts`);
  }
}
