import { Inject, Injectable, Logger } from '@nestjs/common';
import { RETENTION_LOCK_KEY } from '@rcp/messaging';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { MetricsService } from '@rcp/observability';

/** Every pruning batch takes `RETENTION_LOCK_KEY` (libs/messaging): two pruners never work at once, nor a pruner and a read-model rebuild. */
export { RETENTION_LOCK_KEY };

/** What one run deleted, per table, and how many audit entries it exported first. */
export interface RetentionReport {
  event_deliveries: number;
  event_log: number;
  inbox: number;
  jobs: number;
  audit_log: number;
  auditExported: number;
  /** Another process held the pruning lock; this run stopped early. */
  busy: boolean;
}

type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;
class Busy extends Error {}

/** Batches one table may take per run; whatever is left waits for the next run. */
const MAX_BATCHES_PER_TABLE = 200;

/**
 * Deletes what the retention settings allow (docs/retention.md), run by the worker leader every
 * `RETENTION_INTERVAL_SECONDS`. Every batch deletes at most `RETENTION_BATCH_SIZE` rows in a
 * transaction of its own (with a statement timeout), so nothing holds locks or an old snapshot for
 * long, and takes a transaction-level advisory lock, so two processes that both believe they lead
 * never prune at once. In order:
 *
 * 1. dead-lettered deliveries older than `RETENTION_DEAD_LETTER_DAYS` (dropping one is what an
 *    operator's skip does);
 * 2. the event log: events published more than `RETENTION_EVENT_LOG_DAYS` ago that no delivery still
 *    needs (a pending, failing or dead-lettered delivery reads its event from the log), oldest first;
 *    the highest pruned position per tenant goes to `platform.event_log_pruned`, so the feed refuses a
 *    cursor that fell behind it instead of skipping what was pruned;
 * 3. the inbox: rows of deliveries that are done (no delivery row left, so no redelivery can come)
 *    and older than `RETENTION_INBOX_HOURS`;
 * 4. jobs: completed ones finished more than `RETENTION_JOBS_DAYS` ago, failed and dead-lettered ones
 *    more than `RETENTION_DEAD_LETTER_DAYS` ago;
 * 5. the audit log: entries older than `RETENTION_AUDIT_DAYS`, each batch first written to an NDJSON
 *    file in `RETENTION_AUDIT_EXPORT_DIR` (fsynced, then renamed into place) and deleted in the same
 *    transaction only after the file is durable. Without an export directory the audit log is kept,
 *    unless `RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT=true`.
 *
 * A window of 0 keeps that table forever.
 */
@Injectable()
export class RetentionPruner {
  private readonly log = new Logger('RetentionPruner');
  private stopping = false;

  constructor(
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  /** Makes a run in progress stop after its current batch (shutdown). */
  stop(): void {
    this.stopping = true;
  }

  /** Whether audit entries are pruned, and why not. */
  get auditPolicy(): { prune: boolean; exportDir: string | null; reason?: string } {
    const s = this.settings;
    if (s.RETENTION_AUDIT_DAYS === 0) return { prune: false, exportDir: null, reason: 'RETENTION_AUDIT_DAYS=0' };
    if (s.RETENTION_AUDIT_EXPORT_DIR) return { prune: true, exportDir: s.RETENTION_AUDIT_EXPORT_DIR };
    if (s.RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT === 'true') return { prune: true, exportDir: null };
    return { prune: false, exportDir: null, reason: 'no RETENTION_AUDIT_EXPORT_DIR (and RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT is not true)' };
  }

  /** One run over every table. Public for tests and for an operator's script. */
  async run(): Promise<RetentionReport> {
    this.stopping = false;
    const s = this.settings;
    const report: RetentionReport = { event_deliveries: 0, event_log: 0, inbox: 0, jobs: 0, audit_log: 0, auditExported: 0, busy: false };
    const steps: Array<[keyof Omit<RetentionReport, 'busy' | 'auditExported'>, boolean, () => Promise<number>]> = [
      ['event_deliveries', s.RETENTION_DEAD_LETTER_DAYS > 0, () => this.pruneDeadLetters()],
      ['event_log', s.RETENTION_EVENT_LOG_DAYS > 0, () => this.pruneEventLog()],
      ['inbox', s.RETENTION_INBOX_HOURS > 0, () => this.pruneInbox()],
      ['jobs', true, () => this.pruneJobs()],
      ['audit_log', this.auditPolicy.prune, () => this.pruneAudit(report)],
    ];
    for (const [table, enabled, prune] of steps) {
      if (!enabled || this.stopping) continue;
      try {
        report[table] = await prune();
      } catch (err) {
        if (err instanceof Busy) {
          report.busy = true;
          break;
        }
        this.metrics.retentionFailures.inc({ table });
        this.log.warn(`pruning ${table} failed (the next run retries): ${(err as Error).message}`);
      }
    }
    this.metrics.retentionLastRun.set(Date.now() / 1000);
    const total = report.event_deliveries + report.event_log + report.inbox + report.jobs + report.audit_log;
    if (total > 0) this.log.log(`pruned ${JSON.stringify(report)}`);
    return report;
  }

  /** Runs `step` batch after batch until it reports a short batch; returns the rows deleted. */
  private async loop(table: string, step: (q: Query) => Promise<{ deleted: number; more: boolean }>): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_TABLE && !this.stopping; i++) {
      const { deleted, more } = await this.batch(step);
      total += deleted;
      if (deleted > 0) this.metrics.retentionPruned.inc({ table }, deleted);
      if (!more) break;
      await new Promise((r) => setTimeout(r, 5)); // let other work in between batches
    }
    return total;
  }

  /**
   * One short transaction on a connection of its own: statement timeout, UTC, the pruning lock (or
   * `Busy`), the work, commit. Any failure rolls back; a connection whose rollback failed is destroyed.
   */
  private async batch<T>(work: (q: Query) => Promise<T>): Promise<T> {
    const pool = (this.ds.driver as unknown as { master: Pool }).master;
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    try {
      const opened = (await client.query(
        `BEGIN; SET LOCAL statement_timeout = '60s'; SET LOCAL TIME ZONE 'UTC'; SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) AS locked`,
      )) as unknown as Array<{ rows: Array<{ locked?: boolean }> }>;
      try {
        if (opened[opened.length - 1].rows[0].locked !== true) throw new Busy('another process is pruning');
        const result = await work(async (sql, params) => (await client.query(sql, params)).rows);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      }
    } catch (err) {
      // The opening message failed part-way (the transaction may be open and aborted): never reuse it.
      if (!(err instanceof Busy)) broken ??= err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async pruneDeadLetters(): Promise<number> {
    const days = this.settings.RETENTION_DEAD_LETTER_DAYS;
    const n = this.settings.RETENTION_BATCH_SIZE;
    const dropped = new Map<string, number>();
    const total = await this.loop('event_deliveries', async (q) => {
      // Dropping a dead letter releases the deliveries held behind it, like an operator's skip.
      const rows = await q<{ handler: string; n: number }>(
        `WITH doomed AS (
           SELECT id, handler FROM platform.event_deliveries
           WHERE state = 'dead_letter' AND updated_at < now() - make_interval(days => $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED
         ), removed AS (SELECT platform.remove_deliveries(ARRAY(SELECT id FROM doomed)) AS n)
         SELECT doomed.handler, count(*)::int AS n FROM doomed CROSS JOIN removed GROUP BY doomed.handler`,
        [days, n],
      );
      const deleted = rows.reduce((sum, r) => sum + r.n, 0);
      for (const r of rows) dropped.set(r.handler, (dropped.get(r.handler) ?? 0) + r.n);
      return { deleted, more: deleted >= n };
    });
    if (total > 0) {
      this.log.warn(
        `dropped ${total} dead-lettered deliveries older than ${days} days that no operator replayed or skipped: ${[...dropped].map(([h, c]) => `${h} ${c}`).join(', ')}`,
      );
    }
    return total;
  }

  private pruneEventLog(): Promise<number> {
    const days = this.settings.RETENTION_EVENT_LOG_DAYS;
    const n = this.settings.RETENTION_BATCH_SIZE;
    let after = 0;
    // Oldest first by position, in slices of the primary key: a slice is read, its old rows that no
    // delivery needs are deleted, and the walk stops at the first event inside the window (so the end
    // of a run never scans the retained rest of the log).
    return this.loop('event_log', async (q) => {
      const [r] = await q<{ deleted: number; scanned: number; last_old: string | null; reached_new: boolean | null }>(
        `WITH scan AS (
           SELECT position, id, published_at < now() - make_interval(days => $2) AS old
           FROM platform.event_log WHERE position > $1 ORDER BY position LIMIT $3
         ), del AS (
           DELETE FROM platform.event_log e USING scan s
           WHERE e.position = s.position AND s.old
             AND NOT EXISTS (SELECT 1 FROM platform.event_deliveries d WHERE d.event_id = s.id)
           RETURNING e.position, e.tenant_id
         ), marks AS (
           INSERT INTO platform.event_log_pruned AS p (tenant_id, through)
           SELECT coalesce(tenant_id, ''), max(position) FROM del GROUP BY 1
           UNION ALL SELECT '*', max(position) FROM del HAVING count(*) > 0
           ON CONFLICT (tenant_id) DO UPDATE SET through = GREATEST(p.through, EXCLUDED.through), pruned_at = now()
         )
         SELECT (SELECT count(*) FROM del)::int AS deleted, (SELECT count(*) FROM scan)::int AS scanned,
                (SELECT max(position) FROM scan WHERE old) AS last_old, (SELECT bool_or(NOT old) FROM scan) AS reached_new`,
        [after, days, n],
      );
      if (r.last_old !== null) after = Number(r.last_old);
      return { deleted: r.deleted, more: r.scanned >= n && r.reached_new !== true };
    });
  }

  private pruneInbox(): Promise<number> {
    const hours = this.settings.RETENTION_INBOX_HOURS;
    const n = this.settings.RETENTION_BATCH_SIZE;
    return this.loop('inbox', async (q) => {
      const [r] = await q<{ deleted: number }>(
        `WITH del AS (
           DELETE FROM platform.inbox WHERE ctid = ANY(ARRAY(
             SELECT i.ctid FROM platform.inbox i
             WHERE i.processed_at < now() - make_interval(hours => $1)
               AND NOT EXISTS (SELECT 1 FROM platform.event_deliveries d WHERE d.event_id = i.event_id AND d.handler = i.handler)
             LIMIT $2))
           RETURNING 1)
         SELECT count(*)::int AS deleted FROM del`,
        [hours, n],
      );
      return { deleted: r.deleted, more: r.deleted >= n };
    });
  }

  private async pruneJobs(): Promise<number> {
    const s = this.settings;
    const n = s.RETENTION_BATCH_SIZE;
    let total = 0;
    const classes: Array<[string[], number]> = [
      [['completed'], s.RETENTION_JOBS_DAYS],
      [['failed', 'dead_letter'], s.RETENTION_DEAD_LETTER_DAYS],
    ];
    for (const [states, days] of classes) {
      if (days === 0) continue;
      // The conditions are repeated on the DELETE: a job an operator retries meanwhile is no longer
      // failed, and the DELETE re-checks the row it finds.
      total += await this.loop('jobs', async (q) => {
        const [r] = await q<{ deleted: number }>(
          `WITH del AS (
             DELETE FROM platform.jobs WHERE id = ANY(ARRAY(
               SELECT id FROM platform.jobs
               WHERE state = ANY($1::text[]) AND created_at < now() - make_interval(days => $2) AND finished_at < now() - make_interval(days => $2)
               LIMIT $3))
               AND state = ANY($1::text[]) AND finished_at < now() - make_interval(days => $2)
             RETURNING 1)
           SELECT count(*)::int AS deleted FROM del`,
          [states, days, n],
        );
        return { deleted: r.deleted, more: r.deleted >= n };
      });
    }
    return total;
  }

  private pruneAudit(report: RetentionReport): Promise<number> {
    const { exportDir } = this.auditPolicy;
    const days = this.settings.RETENTION_AUDIT_DAYS;
    const n = this.settings.RETENTION_BATCH_SIZE;
    return this.loop('audit_log', async (q) => {
      // No FOR UPDATE: audit rows are never updated (the runtime roles may not), and the pruning advisory lock keeps a second pruner out.
      const rows = await q<{ id: string; occurred_at: Date; line: string }>(
        `SELECT a.id, a.occurred_at, row_to_json(a)::text AS line FROM platform.audit_log a
         WHERE a.occurred_at < now() - make_interval(days => $1) ORDER BY a.occurred_at, a.id LIMIT $2`,
        [days, n],
      );
      if (rows.length === 0) return { deleted: 0, more: false };
      if (exportDir) {
        await this.writeExport(exportDir, rows);
        report.auditExported += rows.length;
        this.metrics.retentionExported.inc(rows.length);
      }
      const [r] = await q<{ deleted: number }>(
        // Through the owner's function: the runtime roles may not delete audit rows themselves.
        `SELECT platform.prune_audit_entries($1::bigint[], now() - make_interval(days => $2)) AS deleted`,
        [rows.map((x) => x.id), days],
      );
      return { deleted: r.deleted, more: rows.length >= n };
    });
  }

  /**
   * Writes one batch as `audit-<first occurred_at>-<first id>-<last id>.ndjson`: one JSON object per
   * line, the table's columns as they are (snake_case, timestamps in UTC with microseconds). Written
   * to a temporary name, fsynced, renamed into place and the directory fsynced, so a file under its
   * final name is complete and on disk before the rows are deleted. A batch whose deletion then fails
   * is exported again under the same name by the next run.
   */
  private async writeExport(dir: string, rows: Array<{ id: string; occurred_at: Date; line: string }>): Promise<void> {
    await mkdir(dir, { recursive: true });
    const stamp = rows[0].occurred_at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const name = `audit-${stamp}-${rows[0].id}-${rows[rows.length - 1].id}.ndjson`;
    const tmp = join(dir, `.${name}.partial`);
    const file = await open(tmp, 'w', 0o640);
    try {
      await file.writeFile(rows.map((r) => r.line).join('\n') + '\n', 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(dir, name));
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
