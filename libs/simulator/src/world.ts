import { Pool, PoolClient } from 'pg';
import {
  ActualService,
  ActualState,
  EnvironmentMetrics,
  EnvironmentOperation,
  ExecutorOperation,
  environmentIdOf,
  isEnvironmentOperation,
} from '@rcp/executor';
import { SpanKind, withSpan } from '@rcp/observability';
import { LABEL_SIMULATE_LATENCY_MS, StoredRevision, Timings, environmentFailure, isHealthy, metricsOf, readyAt, readyReplicasAt, traitOf } from './behaviour';

/** An operation on what runs in an environment (not on the environment itself). */
type WorkloadOperation = Exclude<ExecutorOperation, EnvironmentOperation>;

const MAX_LATENCY_MS = 600_000;

export interface WorldSettings extends Timings {
  /** How long each operation takes before its outcome (an environment's label may say otherwise). */
  latencyMs: number;
  /** Share (0–1) of environment operations that fail, chosen by a hash of the operation, so one attempt always has the same fate. */
  failureRate: number;
  /** Requests per second on a service until someone sets its load. */
  defaultLoadRps: number;
}

/** An operation whose outcome is known, waiting to be reported to whoever asked. */
export interface Outcome {
  operationId: string;
  kind: ExecutorOperation['kind'];
  environmentId: string;
  succeeded: boolean;
  reason: string | null;
  callbackUrl: string | null;
  /** Reports of it that failed before. */
  attempts: number;
  /** The W3C traceparent of the call that submitted it, when it had one: its outcome continues that trace. */
  traceparent: string | null;
}

/** The simulator's own tables, in its own schema: it shares the database, not the control plane's schemas or roles. */
const SCHEMA = [
  `CREATE SCHEMA IF NOT EXISTS simulator`,
  `CREATE TABLE IF NOT EXISTS simulator.environments (
     id text PRIMARY KEY,
     tenant_id text NOT NULL,
     created_at timestamptz NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS simulator.revisions (
     environment_id text NOT NULL REFERENCES simulator.environments (id) ON DELETE CASCADE,
     service text NOT NULL,
     revision text NOT NULL,
     image text NOT NULL,
     config_checksum text,
     secret_refs jsonb NOT NULL DEFAULT '[]',
     replicas integer NOT NULL,
     ready_base integer NOT NULL,
     changed_at timestamptz NOT NULL,
     traffic_weight integer NOT NULL,
     PRIMARY KEY (environment_id, service, revision)
   )`,
  `CREATE TABLE IF NOT EXISTS simulator.loads (
     environment_id text NOT NULL,
     service text NOT NULL,
     rps double precision NOT NULL,
     PRIMARY KEY (environment_id, service)
   )`,
  `CREATE TABLE IF NOT EXISTS simulator.operations (
     id text PRIMARY KEY,
     kind text NOT NULL,
     environment_id text NOT NULL,
     request jsonb NOT NULL,
     callback_url text,
     requested_at timestamptz NOT NULL,
     due_at timestamptz NOT NULL,
     planned_success boolean NOT NULL,
     planned_reason text,
     state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
     completed_at timestamptz,
     delivered_at timestamptz,
     delivery_attempts integer NOT NULL DEFAULT 0,
     next_delivery_at timestamptz
   )`,
  `ALTER TABLE simulator.operations ADD COLUMN IF NOT EXISTS traceparent text`,
  `CREATE INDEX IF NOT EXISTS operations_due ON simulator.operations (due_at) WHERE state = 'pending'`,
  // The control plane's runtime logins get no privilege here, and row-level security without a policy
  // besides: only the simulator's own (owner) connection sees the simulated infrastructure.
  ...['environments', 'revisions', 'loads', 'operations'].map((t) => `ALTER TABLE simulator.${t} ENABLE ROW LEVEL SECURITY`),
  `CREATE INDEX IF NOT EXISTS operations_undelivered ON simulator.operations (next_delivery_at) WHERE delivered_at IS NULL AND state <> 'pending'`,
  `CREATE INDEX IF NOT EXISTS operations_reported ON simulator.operations (delivered_at) WHERE delivered_at IS NOT NULL`,
];

interface RevisionRow {
  service: string;
  revision: string;
  image: string;
  config_checksum: string | null;
  replicas: number;
  ready_base: number;
  changed_at: Date;
  traffic_weight: number;
}

const toRevision = (r: RevisionRow): StoredRevision => ({
  service: r.service,
  revision: r.revision,
  image: r.image,
  configChecksum: r.config_checksum,
  replicas: r.replicas,
  readyBase: r.ready_base,
  changedAt: r.changed_at,
  trafficWeight: r.traffic_weight,
});

/**
 * The simulated data plane: a small world of environments, services and revisions in its own Postgres
 * schema (a restart keeps it), that behaves like infrastructure. An operation is taken at once (its
 * effect on what runs starts then: an applied revision's replicas begin to come up) and completes later:
 * an environment operation after its latency, an apply or scale when every replica is ready (or fails at
 * the progress deadline: a `-crashloop` image), a removal after its latency. Outcomes wait in the table
 * until reported (`takeOutcomes` / `reported`), so none is lost to a crash. It imports no context: the
 * control plane's adapters and the standalone executor (`npm run executor:sim`) both drive it through
 * the executor protocol's messages.
 */
export class SimulatedWorld {
  constructor(
    private readonly pool: Pool,
    readonly settings: WorldSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates the simulator's schema if it is not there (idempotent; serialized by an advisory lock). */
  async install(): Promise<void> {
    await this.inTransaction(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(7263100)`);
      for (const sql of SCHEMA) await c.query(sql);
    });
  }

  /**
   * Takes an operation. Taking the same operation id again changes nothing (a resent request). Returns
   * false for a duplicate. `served` tells an operation that came over HTTP (the executor server) with
   * the request's W3C traceparent header, if any.
   *
   * Taking it is a span when tracing is on: in-process, the control plane's call of its data plane (a
   * child of the job that hands the operation over); served, the executor's side of the caller's call.
   * The outcome is reported with the traceparent of that span (or, tracing off, the one the request
   * came with), so the work it causes continues the caller's trace.
   */
  submit(op: ExecutorOperation, callbackUrl: string | null = op.callbackUrl ?? null, served?: { traceparent?: string }): Promise<boolean> {
    return withSpan(
      `executor ${op.kind}`,
      { 'rcp.executor': 'simulated', 'rcp.executor.operation.kind': op.kind, 'rcp.executor.operation.id': op.operationId },
      async (traced) => {
        const taken = await this.record(op, callbackUrl, traced?.traceparent ?? served?.traceparent ?? null);
        traced?.span.setAttribute('rcp.executor.operation.duplicate', !taken);
        return taken;
      },
      served ? { kind: SpanKind.SERVER, parent: served.traceparent } : { kind: SpanKind.CLIENT },
    );
  }

  private async record(op: ExecutorOperation, callbackUrl: string | null, traceparent: string | null): Promise<boolean> {
    const now = this.clock();
    const taken = await this.inTransaction(async (c) => {
      const envId = environmentIdOf(op);
      const inserted = await c.query(
        `INSERT INTO simulator.operations (id, kind, environment_id, request, callback_url, requested_at, due_at, planned_success, traceparent)
         VALUES ($1, $2, $3, $4, $5, $6, $6, true, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [op.operationId, op.kind, envId, JSON.stringify(op), callbackUrl, now, traceparent],
      );
      if (inserted.rowCount === 0) return false;
      const plan = await this.take(c, op, now);
      await c.query(`UPDATE simulator.operations SET due_at = $2, planned_success = $3, planned_reason = $4 WHERE id = $1`, [
        op.operationId,
        plan.dueAt,
        plan.reason === null,
        plan.reason,
      ]);
      return true;
    });
    if (taken) this.onSubmitted?.();
    return taken;
  }

  /** Called after an operation was taken (the engine wakes up to plan its next round). */
  onSubmitted?: () => void;

  /** Starts the operation's effect and plans its outcome: when it completes, and why it fails (null: it succeeds). */
  private async take(c: PoolClient, request: ExecutorOperation, now: Date): Promise<{ dueAt: Date; reason: string | null }> {
    const later = (ms: number) => new Date(now.getTime() + ms);
    const { latencyMs, progressDeadlineMs } = this.settings;
    if (isEnvironmentOperation(request)) {
      return { dueAt: later(this.latencyOf(request.environment.labels)), reason: environmentFailure(request, this.settings.failureRate) };
    }
    const op: WorkloadOperation = request;
    const env = await c.query(`SELECT 1 FROM simulator.environments WHERE id = $1 FOR UPDATE`, [op.environmentId]);
    if (env.rowCount === 0) return { dueAt: later(latencyMs), reason: `environment ${op.environmentId} does not exist` };
    if (op.kind === 'remove') {
      // Removing what is not there is done already: removal is idempotent.
      await c.query(`DELETE FROM simulator.revisions WHERE environment_id = $1 AND service = $2 AND ($3::text IS NULL OR revision = $3)`, [
        op.environmentId,
        op.service,
        op.revision ?? null,
      ]);
      if (op.revision === undefined) await c.query(`DELETE FROM simulator.loads WHERE environment_id = $1 AND service = $2`, [op.environmentId, op.service]);
      return { dueAt: later(latencyMs), reason: null };
    }
    const current = await this.revisionsOf(c, op.environmentId, op.service, true);
    let target: StoredRevision;
    if (op.kind === 'apply-revision') {
      const s = op.spec;
      const existing = current.find((r) => r.revision === s.revision);
      const sameBuild = existing && existing.image === s.image && existing.configChecksum === s.configChecksum;
      // A new image or config restarts every replica; a new count or weight keeps the ready ones.
      // The same build with the same replicas keeps coming up as it was (only its weight may change).
      const unchangedRollout = sameBuild && existing.replicas === s.replicas;
      const readyBase = unchangedRollout ? existing.readyBase : sameBuild ? readyReplicasAt(existing, now, this.settings) : 0;
      const changedAt = unchangedRollout ? existing.changedAt : now;
      target = { service: op.service, revision: s.revision, image: s.image, configChecksum: s.configChecksum, replicas: s.replicas, readyBase, changedAt, trafficWeight: s.trafficWeight };
      await c.query(
        `INSERT INTO simulator.revisions (environment_id, service, revision, image, config_checksum, secret_refs, replicas, ready_base, changed_at, traffic_weight)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (environment_id, service, revision) DO UPDATE SET image = EXCLUDED.image, config_checksum = EXCLUDED.config_checksum,
           secret_refs = EXCLUDED.secret_refs, replicas = EXCLUDED.replicas, ready_base = EXCLUDED.ready_base, changed_at = EXCLUDED.changed_at,
           traffic_weight = EXCLUDED.traffic_weight`,
        [op.environmentId, op.service, s.revision, s.image, s.configChecksum, JSON.stringify(s.secretRefs), s.replicas, readyBase, changedAt, s.trafficWeight],
      );
    } else {
      const candidates = op.revision === undefined ? current : current.filter((r) => r.revision === op.revision);
      if (candidates.length !== 1) {
        const what = op.revision === undefined ? `service ${op.service} has ${candidates.length} revisions: name the one to scale` : `revision ${op.revision} of service ${op.service} does not exist`;
        return { dueAt: later(latencyMs), reason: candidates.length === 0 && op.revision === undefined ? `service ${op.service} does not exist` : what };
      }
      const existing = candidates[0];
      target = { ...existing, replicas: op.replicas, readyBase: readyReplicasAt(existing, now, this.settings), changedAt: now };
      await c.query(
        `UPDATE simulator.revisions SET replicas = $4, ready_base = $5, changed_at = $6 WHERE environment_id = $1 AND service = $2 AND revision = $3`,
        [op.environmentId, op.service, existing.revision, op.replicas, target.readyBase, now],
      );
    }
    const ready = readyAt(target, this.settings);
    const deadline = later(progressDeadlineMs);
    if (ready === null || ready > deadline) {
      const why = traitOf(target.image) === 'crashloop' ? 'its replicas keep crashing' : 'its replicas came up too slowly';
      return { dueAt: deadline, reason: `revision ${target.revision} of service ${target.service} did not become ready within ${Math.round(progressDeadlineMs / 1000)} s: ${why}` };
    }
    return { dueAt: ready > now ? ready : now, reason: null };
  }

  private latencyOf(labels: Record<string, string>): number {
    const raw = labels[LABEL_SIMULATE_LATENCY_MS];
    return raw !== undefined && /^\d{1,6}$/.test(raw) ? Math.min(Number(raw), MAX_LATENCY_MS) : this.settings.latencyMs;
  }

  /**
   * Completes the operations whose time has come (at most `limit`), applying what completes with them
   * (an environment exists once provisioned, and is gone once decommissioned). Returns how many.
   */
  async completeDue(limit = 100): Promise<number> {
    const now = this.clock();
    return this.inTransaction(async (c) => {
      const due = await c.query<{ id: string; kind: string; environment_id: string; request: ExecutorOperation; planned_success: boolean }>(
        `SELECT id, kind, environment_id, request, planned_success FROM simulator.operations
         WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      for (const op of due.rows) {
        if (op.planned_success && op.request.kind === 'provision') {
          await c.query(`INSERT INTO simulator.environments (id, tenant_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
            op.environment_id,
            op.request.environment.tenantId,
            now,
          ]);
        } else if (op.planned_success && op.kind === 'decommission') {
          await c.query(`DELETE FROM simulator.environments WHERE id = $1`, [op.environment_id]);
          await c.query(`DELETE FROM simulator.loads WHERE environment_id = $1`, [op.environment_id]);
        }
        await c.query(
          `UPDATE simulator.operations SET state = CASE WHEN planned_success THEN 'succeeded' ELSE 'failed' END, completed_at = $2, next_delivery_at = $2 WHERE id = $1`,
          [op.id, now],
        );
      }
      return due.rowCount ?? 0;
    });
  }

  /**
   * Reports completed operations: `report` is called for each one not yet reported (oldest first, at most
   * `limit`, each row locked so two reporters never report the same one at once); one it accepts is
   * marked reported, one it throws for is tried again later with backoff. Returns how many were reported.
   */
  async reportOutcomes(report: (o: Outcome) => Promise<void>, limit = 20): Promise<number> {
    const now = this.clock();
    let reported = 0;
    const rows = await this.pool.query<{ id: string }>(
      `SELECT id FROM simulator.operations WHERE state <> 'pending' AND delivered_at IS NULL AND next_delivery_at <= $1 ORDER BY completed_at, id LIMIT $2`,
      [now, limit],
    );
    for (const { id } of rows.rows) {
      const done = await this.inTransaction(async (c) => {
        const found = await c.query(
          `SELECT id, kind, environment_id, state, planned_reason, callback_url, delivery_attempts, traceparent FROM simulator.operations
           WHERE id = $1 AND delivered_at IS NULL FOR UPDATE SKIP LOCKED`,
          [id],
        );
        const row = found.rows[0];
        if (!row) return false;
        const outcome: Outcome = {
          operationId: row.id,
          kind: row.kind,
          environmentId: row.environment_id,
          succeeded: row.state === 'succeeded',
          reason: row.state === 'failed' ? row.planned_reason : null,
          callbackUrl: row.callback_url,
          attempts: row.delivery_attempts,
          traceparent: row.traceparent,
        };
        try {
          await report(outcome);
        } catch {
          const backoffMs = Math.min(60_000, 200 * 2 ** Math.min(row.delivery_attempts, 10));
          await c.query(`UPDATE simulator.operations SET delivery_attempts = delivery_attempts + 1, next_delivery_at = $2 WHERE id = $1`, [
            id,
            new Date(this.clock().getTime() + backoffMs),
          ]);
          return false;
        }
        await c.query(`UPDATE simulator.operations SET delivered_at = $2 WHERE id = $1`, [id, this.clock()]);
        return true;
      });
      if (done) reported++;
    }
    return reported;
  }

  /**
   * Forgets operations reported more than `olderThanMs` ago (at most `limit` at a time), so the table
   * holds what is in flight and recent history only. Returns how many were removed.
   */
  async pruneReported(olderThanMs: number, limit = 1000): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM simulator.operations WHERE id IN (
         SELECT id FROM simulator.operations WHERE delivered_at < $1 ORDER BY delivered_at LIMIT $2)`,
      [new Date(this.clock().getTime() - olderThanMs), limit],
    );
    return r.rowCount ?? 0;
  }

  /** When the next operation falls due or the next report is to be tried, or null if nothing waits. */
  async nextWakeAt(): Promise<Date | null> {
    const r = await this.pool.query<{ at: Date | null }>(
      `SELECT least((SELECT min(due_at) FROM simulator.operations WHERE state = 'pending'),
                    (SELECT min(next_delivery_at) FROM simulator.operations WHERE delivered_at IS NULL AND state <> 'pending')) AS at`,
    );
    return r.rows[0]?.at ?? null;
  }

  /** What runs in an environment now, as the executor protocol's actual state. */
  async actualState(environmentId: string): Promise<ActualState> {
    const now = this.clock();
    const env = await this.pool.query(`SELECT 1 FROM simulator.environments WHERE id = $1`, [environmentId]);
    const revisions = env.rowCount ? await this.revisionsOf(this.pool, environmentId) : [];
    const byService = new Map<string, StoredRevision[]>();
    for (const r of revisions) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
    const services: ActualService[] = [...byService].map(([name, revs]) => {
      const actual = revs.map((r) => ({
        revision: r.revision,
        image: r.image,
        configChecksum: r.configChecksum,
        replicas: r.replicas,
        readyReplicas: readyReplicasAt(r, now, this.settings),
        trafficWeight: r.trafficWeight,
        healthy: isHealthy(r, now, this.settings),
      }));
      const primary = [...actual].sort((a, b) => b.trafficWeight - a.trafficWeight || a.revision.localeCompare(b.revision))[0];
      return {
        name,
        image: primary.image,
        configChecksum: primary.configChecksum,
        replicas: actual.reduce((n, r) => n + r.replicas, 0),
        readyReplicas: actual.reduce((n, r) => n + r.readyReplicas, 0),
        revisions: actual,
      };
    });
    return { environmentId, environment: env.rowCount ? 'present' : 'absent', observedAt: now.toISOString(), services };
  }

  /** Request metrics of every revision in an environment now. */
  async metrics(environmentId: string): Promise<EnvironmentMetrics> {
    const now = this.clock();
    const revisions = await this.revisionsOf(this.pool, environmentId);
    const loads = await this.pool.query<{ service: string; rps: number }>(`SELECT service, rps FROM simulator.loads WHERE environment_id = $1`, [environmentId]);
    const loadOf = new Map(loads.rows.map((l) => [l.service, Number(l.rps)]));
    const services = [...new Set(revisions.map((r) => r.service))];
    return {
      environmentId,
      observedAt: now.toISOString(),
      revisions: services.flatMap((s) => metricsOf(revisions.filter((r) => r.service === s), loadOf.get(s) ?? this.settings.defaultLoadRps, now, this.settings)),
    };
  }

  /** Sets the synthetic load (requests per second, before its slow swing) on a service. */
  async setLoad(environmentId: string, service: string, rps: number): Promise<void> {
    if (!Number.isFinite(rps) || rps < 0 || rps > 1_000_000) throw new RangeError('rps must be between 0 and 1000000');
    await this.pool.query(
      `INSERT INTO simulator.loads (environment_id, service, rps) VALUES ($1, $2, $3) ON CONFLICT (environment_id, service) DO UPDATE SET rps = EXCLUDED.rps`,
      [environmentId, service, rps],
    );
  }

  /** The state of one operation (for operators and tests), or null. */
  async operation(id: string): Promise<{ state: string; reason: string | null; reported: boolean } | null> {
    const r = await this.pool.query(`SELECT state, planned_reason, delivered_at FROM simulator.operations WHERE id = $1`, [id]);
    const row = r.rows[0];
    return row ? { state: row.state, reason: row.state === 'failed' ? row.planned_reason : null, reported: row.delivered_at !== null } : null;
  }

  private async revisionsOf(c: Pick<Pool, 'query'>, environmentId: string, service?: string, lock = false): Promise<StoredRevision[]> {
    const r = await c.query<RevisionRow>(
      `SELECT service, revision, image, config_checksum, replicas, ready_base, changed_at, traffic_weight FROM simulator.revisions
       WHERE environment_id = $1 AND ($2::text IS NULL OR service = $2) ORDER BY service, revision${lock ? ' FOR UPDATE' : ''}`,
      [environmentId, service ?? null],
    );
    return r.rows.map(toRevision);
  }

  private async inTransaction<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken = false;
    // A connection that dies while checked out emits 'error' on its client (the pool only listens to
    // idle ones): the failing query rejects as well, so this only keeps the process from crashing.
    const onError = () => {
      broken = true;
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      c.off('error', onError);
      c.release(broken);
    }
  }
}
