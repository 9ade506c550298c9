import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jobs can be internal steps of another job (`parent_id`): the job a 202 hands out stands for its
 * steps, which are listed to platform tokens only and end with it.
 */
export class PlatformJobSteps1764000003100 implements MigrationInterface {
  name = 'PlatformJobSteps1764000003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.jobs ADD COLUMN parent_id uuid`);
    await q.query(`CREATE INDEX jobs_parent ON platform.jobs (parent_id) WHERE parent_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS platform.jobs_parent`);
    await q.query(`ALTER TABLE platform.jobs DROP COLUMN IF EXISTS parent_id`);
  }
}
