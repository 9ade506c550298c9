import { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_ROLE, platformOnly } from './rls';


/**
 * Deliveries as queues per (handler, aggregate), and handler subscriptions known to every process.
 *
 * - `head`: the first delivery of its (handler, aggregate) queue, the only one a worker may claim. The
 *   due poll reads a small partial index of heads, so its cost no longer grows with deliveries held
 *   behind a failing or dead-lettered one. A dead-lettered head stays head and holds the rest of its queue
 *   (guarantee 4 of OUTBOX.md) until an operator replays or skips it.
 * - `remove_deliveries`: deletes deliveries (done, skipped, pruned) and then, in a statement of its own
 *   (a new snapshot), makes the next delivery of each of their queues its head. The relay locks the
 *   heads it queues behind (FOR KEY SHARE), which a delete waits for, so a promotion never misses a
 *   delivery that a concurrent relay round queued behind the deleted head (see OutboxRelay.claimBatch).
 * - `event_subscriptions`: which handler takes which event type, registered by every worker at start.
 *   The relay fans out by this table, not by its own build's handlers, so during a rolling deploy an old
 *   leader still fans out to a new handler, and an old worker leaves deliveries it cannot run alone.
 */
export class PlatformDeliveryQueues1764000012400 implements MigrationInterface {
  name = 'PlatformDeliveryQueues1764000012400';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      // No default once the existing rows are marked: every writer says whether its row is a head.
      `ALTER TABLE platform.event_deliveries ADD COLUMN head boolean NOT NULL DEFAULT false`,
      `UPDATE platform.event_deliveries d SET head = true
       FROM (SELECT DISTINCT ON (handler, aggregate_id) id FROM platform.event_deliveries ORDER BY handler, aggregate_id, position) first
       WHERE d.id = first.id`,
      `ALTER TABLE platform.event_deliveries ALTER COLUMN head DROP DEFAULT`,
      `ALTER TABLE platform.event_deliveries ALTER COLUMN next_attempt_at SET DEFAULT clock_timestamp()`,
      `DROP INDEX platform.event_deliveries_due`,
      `DROP INDEX platform.event_deliveries_order`,
      `CREATE INDEX event_deliveries_heads ON platform.event_deliveries (next_attempt_at, position) WHERE head AND state IN ('pending', 'failed')`,
      `CREATE INDEX event_deliveries_queue ON platform.event_deliveries (handler, aggregate_id, position)`,
      `CREATE FUNCTION platform.remove_deliveries(ids bigint[]) RETURNS integer
         LANGUAGE plpgsql SET search_path = pg_catalog, platform AS $$
         DECLARE
           removed integer;
           handlers text[];
           aggregates text[];
         BEGIN
           WITH del AS (DELETE FROM platform.event_deliveries WHERE id = ANY(ids) RETURNING handler, aggregate_id)
           SELECT count(*)::integer, array_agg(handler), array_agg(aggregate_id) INTO removed, handlers, aggregates FROM del;
           IF removed = 0 THEN
             RETURN 0;
           END IF;
           UPDATE platform.event_deliveries d SET head = true
           WHERE NOT d.head AND d.id IN (
             SELECT (SELECT p.id FROM platform.event_deliveries p WHERE p.handler = k.h AND p.aggregate_id = k.a ORDER BY p.position LIMIT 1)
             FROM (SELECT DISTINCT h, a FROM unnest(handlers, aggregates) AS u(h, a)) k);
           RETURN removed;
         END $$`,
      `REVOKE ALL ON FUNCTION platform.remove_deliveries(bigint[]) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION platform.remove_deliveries(bigint[]) TO ${PLATFORM_ROLE}`,
      `CREATE TABLE platform.event_subscriptions (
        handler text NOT NULL,
        event_type text NOT NULL,
        from_position bigint NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (handler, event_type)
      )`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform.event_subscriptions TO ${PLATFORM_ROLE}`,
      ...platformOnly('platform.event_subscriptions'),
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS platform.event_subscriptions`);
    await q.query(`DROP FUNCTION IF EXISTS platform.remove_deliveries(bigint[])`);
    await q.query(`DROP INDEX IF EXISTS platform.event_deliveries_queue`);
    await q.query(`DROP INDEX IF EXISTS platform.event_deliveries_heads`);
    await q.query(`CREATE INDEX event_deliveries_order ON platform.event_deliveries (handler, aggregate_id, position) WHERE state IN ('pending', 'failed')`);
    await q.query(`CREATE INDEX event_deliveries_due ON platform.event_deliveries (position) WHERE state IN ('pending', 'failed')`);
    await q.query(`ALTER TABLE platform.event_deliveries DROP COLUMN head`);
  }
}
