import { MigrationInterface, QueryRunner } from 'typeorm';
import { PLATFORM_ROLE, platformOnly } from './rls';

/**
 * The relay leader's lease (issue 11 item 5). The advisory lock alone cannot tell a frozen or
 * partitioned leader from a healthy one: a SIGSTOPped process's socket stays open, so Postgres keeps its
 * session and its lock for as long as the process is stopped. The leader therefore renews
 * `platform.relay_leader.renewed_at` with the database clock every fifth of `RELAY_LEASE_MS`, on the
 * session that holds the lock; a candidate that finds the lock taken and the lease older than that ends
 * the holder's session (which releases the lock) and takes over.
 *
 * `platform.relay_lead` is the one way leadership changes hands. It runs as one statement, so it can
 * never be left open by a caller that freezes half way, and it locks the lease row first, so two
 * candidates never judge the same lease, and a leader's renewal that comes after a takeover finds its
 * session ended instead of overwriting the new lease. `term` counts the leaders (a fencing number for
 * logs and tests).
 */
export class RelayLeaderLease1764000012300 implements MigrationInterface {
  name = 'RelayLeaderLease1764000012300';

  async up(q: QueryRunner): Promise<void> {
    const sql = [
      `CREATE TABLE platform.relay_leader (
        id integer PRIMARY KEY CHECK (id = 1),
        term bigint NOT NULL DEFAULT 0,
        holder text,
        holder_pid integer,
        acquired_at timestamptz,
        renewed_at timestamptz
      )`,
      `INSERT INTO platform.relay_leader (id) VALUES (1)`,
      `GRANT SELECT, UPDATE ON platform.relay_leader TO ${PLATFORM_ROLE}`,
      ...platformOnly('platform.relay_leader'),
      // Runs as its caller (the system login): it may end only sessions of its own login, so a relay can
      // displace a frozen relay but never an operator's or the owner's session.
      `CREATE FUNCTION platform.relay_lead(lock_key bigint, candidate text, lease_ms integer)
         RETURNS TABLE (leads boolean, term bigint, pid integer, displaced integer)
         LANGUAGE plpgsql SET search_path = pg_catalog, platform AS $$
         DECLARE
           lease platform.relay_leader%ROWTYPE;
           lock_holder integer;
         BEGIN
           SELECT * INTO lease FROM platform.relay_leader r WHERE r.id = 1 FOR UPDATE;
           -- The lock's holder, if any (a bigint key is held as classid = high half, objid = low half, objsubid 1).
           SELECT l.pid INTO lock_holder FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
              AND l.classid::bigint = (lock_key >> 32) AND l.objid::bigint = (lock_key & 4294967295);
           IF lock_holder IS DISTINCT FROM pg_backend_pid() THEN
             IF lock_holder IS NOT NULL THEN
               IF lease.holder_pid = lock_holder AND lease.renewed_at >= clock_timestamp() - make_interval(secs => lease_ms / 1000.0) THEN
                 RETURN QUERY SELECT false, lease.term, NULL::integer, NULL::integer;
                 RETURN;
               END IF;
               -- The holder stopped renewing (frozen, partitioned, or a build without leases): end its session.
               IF NOT pg_terminate_backend(lock_holder, 2000) THEN
                 RETURN QUERY SELECT false, lease.term, NULL::integer, NULL::integer;
                 RETURN;
               END IF;
             END IF;
             IF NOT pg_try_advisory_lock(lock_key) THEN
               RETURN QUERY SELECT false, lease.term, NULL::integer, NULL::integer;
               RETURN;
             END IF;
           END IF;
           UPDATE platform.relay_leader r
              SET term = r.term + 1, holder = candidate, holder_pid = pg_backend_pid(), acquired_at = clock_timestamp(), renewed_at = clock_timestamp()
            WHERE r.id = 1;
           RETURN QUERY SELECT true, lease.term + 1, pg_backend_pid(), NULLIF(lock_holder, pg_backend_pid());
         END $$`,
      `REVOKE ALL ON FUNCTION platform.relay_lead(bigint, text, integer) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION platform.relay_lead(bigint, text, integer) TO ${PLATFORM_ROLE}`,
    ];
    for (const s of sql) await q.query(s);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS platform.relay_lead(bigint, text, integer)`);
    await q.query(`DROP TABLE IF EXISTS platform.relay_leader`);
  }
}
