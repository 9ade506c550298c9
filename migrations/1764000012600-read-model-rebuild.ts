import { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_ROLE } from './rls';

/**
 * Read models on the projection kit (libs/messaging/src/projection.ts): tenancy's usage tables remember
 * the source aggregate version each row reflects (the version guard), and a rebuild (platform work)
 * may empty every read-model table before replaying the event log into it.
 */
export class ReadModelRebuild1764000012600 implements MigrationInterface {
  name = 'ReadModelRebuild1764000012600';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `ALTER TABLE tenancy.environment_usage ADD COLUMN source_version integer NOT NULL DEFAULT 0`,
      `ALTER TABLE tenancy.service_usage ADD COLUMN source_version integer NOT NULL DEFAULT 0`,
      `GRANT DELETE ON tenancy.environment_usage, inventory.tenants TO ${PLATFORM_ROLE}`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE DELETE ON tenancy.environment_usage, inventory.tenants FROM ${PLATFORM_ROLE}`);
    await q.query(`ALTER TABLE tenancy.service_usage DROP COLUMN source_version`);
    await q.query(`ALTER TABLE tenancy.environment_usage DROP COLUMN source_version`);
  }
}
