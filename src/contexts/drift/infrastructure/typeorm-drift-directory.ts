import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { ActualPicture, DriftDirectory, DriftEnvironmentRow, GateRollback } from '../application/read-models/drift-read-models';
import { ServiceSignals } from '../domain/reconciliation';
import { KnownRelease } from '../domain/remediation-policy';

interface PictureRow {
  environment: { environment_id: string; tenant_id: string; project_id: string; state: DriftEnvironmentRow['state'] } | null;
  services: Array<{ service: string; image: string; replicas: number; ready_replicas: number; config_checksum: string | null; observed_at: string }>;
  health: Array<{ service: string; status: 'unknown' | 'healthy' | 'degraded' | 'unhealthy'; since: string; reason: string }>;
  scaling: Array<{ service: string; min_replicas: number | null; max_replicas: number | null; decision_id: string | null; desired_replicas: number | null; decided_at: string | null }>;
  releases: Array<{ deployment_id: string; service: string; revision: number; image: string; config_checksum: string; state: string; gate_rollback: boolean; reason: string | null; ended_at: string | null }>;
}

const FINISHED = `('succeeded', 'rolled_back', 'failed', 'aborted')`;

/** Reads drift's read models; a reconciliation's whole picture of an environment in one round trip. */
@Injectable()
export class TypeOrmDriftDirectory extends DriftDirectory {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async environment(environmentId: string): Promise<DriftEnvironmentRow | null> {
    const rows: Array<{ environment_id: string; tenant_id: string; project_id: string; state: DriftEnvironmentRow['state'] }> = await this.tx
      .manager()
      .query(`SELECT environment_id, tenant_id, project_id, state FROM drift.environments WHERE environment_id = $1`, [environmentId]);
    const r = rows[0];
    return r ? { environmentId: r.environment_id, tenantId: r.tenant_id, projectId: r.project_id, state: r.state } : null;
  }

  async picture(environmentId: string): Promise<ActualPicture> {
    const [row]: PictureRow[] = await this.tx.manager().query(
      `SELECT
         (SELECT row_to_json(e) FROM (SELECT environment_id, tenant_id, project_id, state FROM drift.environments WHERE environment_id = $1) e) AS environment,
         (SELECT coalesce(json_agg(s), '[]') FROM (SELECT service, image, replicas, ready_replicas, config_checksum, observed_at FROM drift.services WHERE environment_id = $1 AND NOT removed) s) AS services,
         (SELECT coalesce(json_agg(h), '[]') FROM (SELECT service, status, since, reason FROM drift.service_health WHERE environment_id = $1) h) AS health,
         (SELECT coalesce(json_agg(c), '[]') FROM (SELECT service, min_replicas, max_replicas, decision_id, desired_replicas, decided_at FROM drift.scaling WHERE environment_id = $1) c) AS scaling,
         (SELECT coalesce(json_agg(r ORDER BY r.revision DESC), '[]') FROM (
            SELECT deployment_id, service, revision, image, config_checksum, state, gate_rollback, reason, ended_at FROM drift.releases
            WHERE environment_id = $1 AND (state = 'succeeded' OR gate_rollback OR state NOT IN ${FINISHED})) r) AS releases`,
      [environmentId],
    );
    const signals = new Map<string, ServiceSignals>();
    const of = (service: string) => signals.get(service) ?? signals.set(service, {}).get(service)!;
    for (const h of row.health) of(h.service).health = { status: h.status, since: new Date(h.since), reason: h.reason };
    for (const c of row.scaling) {
      const s = of(c.service);
      if (c.min_replicas !== null && c.max_replicas !== null) s.scalingPolicy = { minReplicas: c.min_replicas, maxReplicas: c.max_replicas };
      if (c.decision_id && c.desired_replicas !== null) s.scalingDecision = { decisionId: c.decision_id, desiredReplicas: c.desired_replicas, at: new Date(c.decided_at ?? 0) };
    }
    const succeeded = new Map<string, KnownRelease[]>();
    const gateRollbacks: GateRollback[] = [];
    for (const r of row.releases) {
      if (r.state === 'succeeded') succeeded.set(r.service, [...(succeeded.get(r.service) ?? []), { revision: r.revision, image: r.image, configChecksum: r.config_checksum }]);
      else if (!['rolled_back', 'failed', 'aborted'].includes(r.state)) of(r.service).rollout = { deploymentId: r.deployment_id, state: r.state };
      if (r.gate_rollback) gateRollbacks.push({ deploymentId: r.deployment_id, service: r.service, image: r.image, reason: r.reason ?? 'its health gate failed', at: new Date(r.ended_at ?? Date.now()) });
    }
    const e = row.environment;
    return {
      environment: e ? { environmentId: e.environment_id, tenantId: e.tenant_id, projectId: e.project_id, state: e.state } : null,
      services: row.services.map((s) => ({ name: s.service, image: s.image, replicas: s.replicas, readyReplicas: s.ready_replicas, configChecksum: s.config_checksum, observedAt: new Date(s.observed_at) })),
      signals,
      succeeded,
      gateRollbacks,
    };
  }
}
