import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C traceparent of the work that enqueued a job (`traceparent`; with tracing on, the span of the
 * command that enqueued it): the run, in whichever worker process, continues that trace, as an event's
 * handlers continue the trace in its envelope. Null for jobs enqueued before. The column inherits the
 * table's grants and row-level security.
 */
export class JobTraceparent1764000022100 implements MigrationInterface {
  name = 'JobTraceparent1764000022100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.jobs ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platform.jobs DROP COLUMN IF EXISTS traceparent`);
  }
}
