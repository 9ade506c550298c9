import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock } from '@rcp/ddd';
import { TransactionManager, UnitOfWork, unchanged } from '@rcp/persistence';
import { DriftFindingRepository, EnvironmentDriftRepository } from '../../../domain/drift.repository';
import { RuntimeDriftFinding } from '../../../domain/drift-finding.aggregate';
import { EnvironmentDrift, ReconciliationCounts } from '../../../domain/environment-drift.aggregate';
import { Divergence, compare, fingerprintOf } from '../../../domain/reconciliation';
import { LoopGuard, autoRemediationVerdict, planRemediation } from '../../../domain/remediation-policy';
import { DriftScheduleTable } from '../../drift-schedule.table';
import { ReconciliationResult } from '../../drift.views';
import { ActualPicture, DriftDirectory } from '../../read-models/drift-read-models';
import { ReconcileEnvironmentCommand } from './reconcile-environment.command';

/** Seed of the advisory-lock keys that keep two reconciliations of one environment from running at once. */
const RECONCILE_LOCK_SEED = 7263300;
const AUTO = 'system:drift-auto-remediation';
/** How long a finding whose corrective deployment succeeded waits for inventory to observe the service again. */
const SETTLE_SECONDS = 60;

/**
 * One reconciliation, one transaction, under a per-environment lock (the schedule, an on-demand request
 * and a debounced change never reconcile one environment twice at once): the newest desired state
 * against the read models of what runs and of the signals that explain it. A run that changes nothing
 * writes nothing but the schedule's next time.
 */
@CommandHandler(ReconcileEnvironmentCommand)
export class ReconcileEnvironmentHandler implements ICommandHandler<ReconcileEnvironmentCommand, ReconciliationResult> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tx: TransactionManager,
    private readonly drifts: EnvironmentDriftRepository,
    private readonly findings: DriftFindingRepository,
    private readonly directory: DriftDirectory,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: ReconcileEnvironmentCommand): Promise<ReconciliationResult> {
    return this.uow.run(cmd, async (note) => {
      const db = this.tx.manager();
      await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, ${RECONCILE_LOCK_SEED}))`, [cmd.environmentId]);
      const now = this.clock.now();
      const since = cmd.since ?? now;
      const done = (reason: string | null) => DriftScheduleTable.done(db, cmd.environmentId, since, this.settings.DRIFT_RECONCILE_INTERVAL_SECONDS, reason);
      const drift = await this.drifts.find(cmd.environmentId);
      if (!drift?.desired) {
        await done(null);
        return unchanged({ environmentId: cmd.environmentId, reconciled: false, reason: 'no desired state has been posted for this environment', counts: null });
      }
      note.tenantId = drift.snapshot().tenantId;
      note.projectId = drift.snapshot().projectId;
      const picture = await this.directory.picture(cmd.environmentId);
      const unresolved = await this.findings.unresolvedOf(cmd.environmentId);
      if (picture.environment && ['decommissioning', 'decommissioned'].includes(picture.environment.state)) {
        for (const f of unresolved) {
          f.resolve(`environment ${picture.environment.state}`, now);
          await this.findings.save(f);
        }
        await done(null);
        const result = { environmentId: cmd.environmentId, reconciled: false, reason: `the environment is ${picture.environment.state}`, counts: null };
        return unresolved.length ? result : unchanged(result);
      }
      const { counts, changed } = await this.reconcile(drift, picture, unresolved, now);
      const recorded = drift.reconciled(cmd.trigger, counts, now);
      if (recorded) await this.drifts.save(drift);
      await done(null);
      const result = { environmentId: cmd.environmentId, reconciled: true, reason: null, counts };
      return changed || recorded ? result : unchanged(result);
    });
  }

  private async reconcile(drift: EnvironmentDrift, picture: ActualPicture, unresolved: RuntimeDriftFinding[], now: Date): Promise<{ counts: ReconciliationCounts; changed: boolean }> {
    const desired = drift.desired!;
    const s = drift.snapshot();
    const cmp = compare(desired.services, picture.services, picture.signals, now, { unhealthyAfterSeconds: this.settings.DRIFT_UNHEALTHY_SECONDS });
    const guard: LoopGuard = {
      maxAttempts: this.settings.DRIFT_REMEDIATION_MAX_ATTEMPTS,
      windowSeconds: this.settings.DRIFT_REMEDIATION_WINDOW_SECONDS,
      backoffSeconds: this.settings.DRIFT_REMEDIATION_BACKOFF_SECONDS,
    };
    const byFingerprint = new Map(unresolved.map((f) => [f.snapshot().fingerprint, f]));
    const seen = new Set<string>();
    const skipped = new Set(cmp.skipped.map((x) => x.service));
    const counts: ReconciliationCounts = { open: 0, detected: 0, resolved: 0, explained: cmp.explained.length, skipped: cmp.skipped.length };
    let changed = false;
    for (const d of cmp.divergences) {
      const fingerprint = fingerprintOf(s.id, d);
      seen.add(fingerprint);
      let f = byFingerprint.get(fingerprint);
      if (f && this.awaitingObservation(f, picture, now)) continue;
      if (f) f.observe(d, desired.source.revision, now);
      else {
        const earlier = await this.findings.resolvedSince(s.id, fingerprint, new Date(now.getTime() - guard.windowSeconds * 1000));
        const carried = earlier ? earlier.attemptTimes.map((a) => ({ requestedAt: a.requestedAt.toISOString(), endedAt: a.endedAt?.toISOString() ?? null })) : [];
        f = RuntimeDriftFinding.detect({ id: randomUUID(), tenantId: s.tenantId, projectId: s.projectId, environmentId: s.id, fingerprint, desiredRevision: desired.source.revision, divergence: d, earlierAttempts: carried }, now);
        counts.detected++;
      }
      this.quarantineIfRolledBack(f, d, picture, desired.recordedAt, now);
      if (f.state === 'open') this.autoRemediate(f, d, drift, picture, guard, now);
      await this.findings.save(f);
      changed = true;
    }
    for (const f of unresolved) {
      const fs = f.snapshot();
      if (seen.has(fs.fingerprint) || skipped.has(fs.service)) continue;
      const explained = cmp.explained.find((x) => x.service === fs.service && x.kind === fs.kind);
      const attempt = f.lastAttempt;
      const how = explained
        ? `explained: ${explained.evidence.filter((e) => e.says === 'explains').map((e) => e.detail).join('; ')}`
        : attempt?.outcome === 'succeeded'
          ? `remediated by deployment ${attempt.deploymentId}`
          : 'the divergence is gone';
      const before = f.state;
      f.resolve(how, now);
      if (f.state !== before) {
        counts.resolved++;
        await this.findings.save(f);
        changed = true;
      }
    }
    counts.open = unresolved.filter((f) => f.state !== 'resolved').length + counts.detected;
    return { counts, changed };
  }

  /**
   * A corrective deployment just succeeded, but inventory has not observed the service since: what the
   * read model shows is from before it, so the finding is judged at the next observation (or after
   * {@link SETTLE_SECONDS}, for a deployment that changed nothing inventory would report).
   */
  private awaitingObservation(f: RuntimeDriftFinding, picture: ActualPicture, now: Date): boolean {
    const a = f.lastAttempt;
    if (f.state !== 'remediating' || a?.outcome !== 'succeeded' || !a.endedAt) return false;
    const ended = new Date(a.endedAt).getTime();
    const observed = picture.services.find((x) => x.name === f.snapshot().service)?.observedAt.getTime() ?? 0;
    return observed < ended && now.getTime() - ended < SETTLE_SECONDS * 1000;
  }

  /** The desired image was rolled back by its health gate after this desired state was recorded: not re-applied while it stands. */
  private quarantineIfRolledBack(f: RuntimeDriftFinding, d: Divergence, picture: ActualPicture, desiredRecordedAt: Date, now: Date): void {
    if (!['open', 'remediating'].includes(f.state) || typeof d.desired !== 'string' || !['image-mismatch', 'missing-service', 'config-mismatch'].includes(d.kind)) return;
    const image = d.kind === 'config-mismatch' ? null : d.desired;
    const rollback = picture.gateRollbacks.find((r) => r.service === d.service && (image === null || r.image === image) && r.at >= desiredRecordedAt);
    if (rollback) f.quarantine({ image: rollback.image, deploymentId: rollback.deploymentId, reason: rollback.reason }, now);
  }

  private autoRemediate(f: RuntimeDriftFinding, d: Divergence, drift: EnvironmentDrift, picture: ActualPicture, guard: LoopGuard, now: Date): void {
    const declared = drift.desired!.services.find((x) => x.name === d.service) ?? null;
    const desired = declared ? { image: declared.image, replicas: declared.replicas, configChecksum: declared.configChecksum } : null;
    const plan = planRemediation(d.kind, desired, picture.succeeded.get(d.service) ?? []);
    const verdict = autoRemediationVerdict(drift.policy, plan, f.attemptTimes, guard, now);
    if (!verdict.act || plan.action === null) {
      f.hold(verdict.act ? 'no corrective deployment applies' : verdict.reason, now);
      return;
    }
    f.requestRemediation({ action: plan.action, toRevision: plan.toRevision, desired, automatic: true, by: AUTO }, now);
  }
}
