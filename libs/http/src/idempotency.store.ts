import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { rowsOf } from '@rcp/persistence';

/** What a finished request answered, as it is replayed: status, the headers that matter, the exact body bytes. */
export interface IdempotentOutcome {
  status: number;
  /** Lower-case header names: `content-type`, `location`, `etag`. */
  headers: Record<string, string>;
  /** The serialized body exactly as it was sent ('' for none). */
  body: string;
}

/** A key this request owns until it completes or releases it. `claimedAt` tells this claim from a later one. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  claimedAt: string;
}

export type ClaimResult =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'replay'; outcome: IdempotentOutcome }
  | { kind: 'in_progress' }
  | { kind: 'reused' };

/**
 * How long a claim stays `in_progress` before another request may take the key over. A request holds
 * its claim only while it runs (long work answers 202 and goes to a job), so this only matters when a
 * process died mid-request; the sweeper in the worker role also deletes such a claim once it expired.
 */
export const IDEMPOTENCY_IN_PROGRESS_LEASE_SECONDS = 300;

interface KeyRow {
  request_hash: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
}

/**
 * The record of `Idempotency-Key`s in `platform.idempotency_keys`, shared by every api replica.
 *
 * A key is claimed atomically with one `INSERT … ON CONFLICT` before the handler runs, so of two
 * requests racing with one key (on one process or on several) exactly one runs; the other learns the
 * key is in progress. A row whose `expires_at` has passed (a completed key older than
 * `IDEMPOTENCY_TTL_HOURS`, or the claim of a process that died) is taken over by the same statement
 * rather than replayed, so nothing depends on the sweeper having run.
 *
 * The table is not tenant data (rows are keyed by a scope that names tenant and actor, taken from the
 * verified token): only the platform role may touch it, a tenant's transaction has no privilege on it.
 * Each call is a single autocommit statement on the system login's pool, outside the command's
 * transaction, so a claim is visible to other replicas at once.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    private readonly ds: DataSource,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  /** Claims `key` for a request with `requestHash`, or says what became of the earlier request with it. */
  async claim(scope: string, key: string, requestHash: string): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = rowsOf<{ claimed_at: string }>(
        await this.ds.query(
          `INSERT INTO platform.idempotency_keys AS k (scope, key, request_hash, state, created_at, expires_at)
           VALUES ($1, $2, $3, 'in_progress', clock_timestamp(), clock_timestamp() + make_interval(secs => $4::double precision))
           ON CONFLICT (scope, key) DO UPDATE
             SET request_hash = EXCLUDED.request_hash, state = 'in_progress', status_code = NULL, response_headers = NULL,
                 response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
             WHERE k.expires_at < clock_timestamp()
           RETURNING created_at::text AS claimed_at`,
          [scope, key, requestHash, IDEMPOTENCY_IN_PROGRESS_LEASE_SECONDS],
        ),
      );
      if (claimed[0]) return { kind: 'claimed', claim: { scope, key, claimedAt: claimed[0].claimed_at } };

      const rows = rowsOf<KeyRow>(
        await this.ds.query(
          `SELECT request_hash, state, status_code, response_headers, response_body
           FROM platform.idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at >= clock_timestamp()`,
          [scope, key],
        ),
      );
      const row = rows[0];
      if (!row) continue; // released (5xx) or expired between the two statements: claim again
      if (row.request_hash !== requestHash) return { kind: 'reused' };
      if (row.state === 'in_progress') return { kind: 'in_progress' };
      return {
        kind: 'replay',
        outcome: { status: row.status_code ?? 200, headers: row.response_headers ?? {}, body: typeof row.response_body === 'string' ? row.response_body : '' },
      };
    }
    return { kind: 'in_progress' };
  }

  /**
   * Records the outcome of a claimed request; it is replayed until `IDEMPOTENCY_TTL_HOURS` after the
   * first request. Does nothing if the claim was taken over meanwhile (its lease had expired).
   */
  async complete(claim: IdempotencyClaim, outcome: IdempotentOutcome): Promise<void> {
    await this.ds.query(
      `UPDATE platform.idempotency_keys
       SET state = 'completed', status_code = $4, response_headers = $5::jsonb, response_body = to_jsonb($6::text),
           expires_at = created_at + make_interval(hours => $7::int)
       WHERE scope = $1 AND key = $2 AND created_at = $3::timestamptz AND state = 'in_progress'`,
      [claim.scope, claim.key, claim.claimedAt, outcome.status, JSON.stringify(outcome.headers), outcome.body, this.settings.IDEMPOTENCY_TTL_HOURS],
    );
  }

  /** Forgets a claim whose request failed on the server's side (5xx), so the client can retry with the same key. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.ds.query(`DELETE FROM platform.idempotency_keys WHERE scope = $1 AND key = $2 AND created_at = $3::timestamptz AND state = 'in_progress'`, [
      claim.scope,
      claim.key,
      claim.claimedAt,
    ]);
  }
}
