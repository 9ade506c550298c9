import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Executor callbacks are remembered by id even when their operation is unknown (no environment, no
 * tenant), so a replay is refused whatever operation it names.
 */
export class InventoryCallbackReplays1764000003200 implements MigrationInterface {
  name = 'InventoryCallbackReplays1764000003200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inventory.executor_callbacks ALTER COLUMN environment_id DROP NOT NULL, ALTER COLUMN tenant_id DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM inventory.executor_callbacks WHERE environment_id IS NULL OR tenant_id IS NULL`);
    await q.query(`ALTER TABLE inventory.executor_callbacks ALTER COLUMN environment_id SET NOT NULL, ALTER COLUMN tenant_id SET NOT NULL`);
  }
}
