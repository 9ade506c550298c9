import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fencing token per run of a job (`lease_token`, new at every claim): renewing the lease, completing,
 * failing and releasing the job apply only while the token is still the run's own, so a run that lost
 * its lease (its worker was frozen past it, or released it at shutdown) commits nothing. The attempt
 * number cannot serve: a run released at shutdown gives its attempt back, so the next run has the same
 * number. The column inherits the table's grants and row-level security.
 */
export class JobLeaseToken1764000012100 implements MigrationInterface {
  name = 'JobLeaseToken1764000012100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.jobs ADD COLUMN lease_token uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.jobs DROP COLUMN IF EXISTS lease_token`);
  }
}
