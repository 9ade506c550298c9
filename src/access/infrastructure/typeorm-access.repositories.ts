import { Injectable } from '@nestjs/common';
import { ConcurrentModificationError } from '@rcp/ddd';
import { TransactionManager } from '@rcp/persistence';
import { AgentEnrollmentRepository, AgentKeyRepository } from '../domain/access.repository';
import { AgentEnrollment, AgentEnrollmentSnapshot } from '../domain/agent-enrollment';
import { AgentKey, AgentKeySnapshot } from '../domain/agent-key';
import { AccessEnvironmentRow, AccessEnvironments } from '../application/read-models/access-environment-read-model';

/** Column lists read back as the snapshots' own names. */
const ENROLLMENT_COLUMNS = `id, tenant_id AS "tenantId", project_id AS "projectId", environment_id AS "environmentId", lookup, secret_hash AS "secretHash",
  capabilities, expires_at AS "expiresAt", created_by AS "createdBy", created_at AS "createdAt", redeemed_at AS "redeemedAt", agent_key_id AS "agentKeyId"`;
const KEY_COLUMNS = `id, tenant_id AS "tenantId", project_id AS "projectId", environment_id AS "environmentId", prefix, lookup, secret_hash AS "secretHash",
  capabilities, enrollment_id AS "enrollmentId", created_by AS "createdBy", created_at AS "createdAt", last_used_at AS "lastUsedAt",
  revoked_at AS "revokedAt", revoked_by AS "revokedBy", revoked_reason AS "revokedReason", version`;

const toKey = (row: AgentKeySnapshot & { version: number }): AgentKey => {
  const { version, ...snapshot } = row;
  return AgentKey.rehydrate(snapshot, version);
};

/** `access.agent_enrollments`, in the caller's transaction (tenant scope: row-level security). */
@Injectable()
export class TypeOrmAgentEnrollmentRepository extends AgentEnrollmentRepository {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async add(enrollment: AgentEnrollment): Promise<void> {
    const s = enrollment.snapshot();
    await this.tx.manager().query(
      `INSERT INTO access.agent_enrollments (id, tenant_id, project_id, environment_id, lookup, secret_hash, capabilities, expires_at, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [s.id, s.tenantId, s.projectId, s.environmentId, s.lookup, s.secretHash, s.capabilities, s.expiresAt, s.createdBy, s.createdAt],
    );
  }

  async lockByLookup(lookup: string): Promise<AgentEnrollment | null> {
    const rows: AgentEnrollmentSnapshot[] = await this.tx.manager().query(`SELECT ${ENROLLMENT_COLUMNS} FROM access.agent_enrollments WHERE lookup = $1 FOR UPDATE`, [lookup]);
    return rows[0] ? AgentEnrollment.rehydrate(rows[0]) : null;
  }

  async saveRedemption(enrollment: AgentEnrollment): Promise<void> {
    const s = enrollment.snapshot();
    const [, updated] = (await this.tx
      .manager()
      .query(`UPDATE access.agent_enrollments SET redeemed_at = $2, agent_key_id = $3 WHERE id = $1 AND redeemed_at IS NULL`, [s.id, s.redeemedAt, s.agentKeyId])) as [unknown, number];
    if (updated !== 1) throw new ConcurrentModificationError('Agent enrollment', s.id);
  }
}

/** `access.agent_keys`, in the caller's transaction (tenant scope: row-level security). */
@Injectable()
export class TypeOrmAgentKeyRepository extends AgentKeyRepository {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async add(key: AgentKey): Promise<void> {
    const s = key.snapshot();
    await this.tx.manager().query(
      `INSERT INTO access.agent_keys (id, tenant_id, project_id, environment_id, prefix, lookup, secret_hash, capabilities, enrollment_id, created_by, created_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)`,
      [s.id, s.tenantId, s.projectId, s.environmentId, s.prefix, s.lookup, s.secretHash, s.capabilities, s.enrollmentId, s.createdBy, s.createdAt],
    );
  }

  async findById(id: string): Promise<AgentKey | null> {
    const rows: Array<AgentKeySnapshot & { version: number }> = await this.tx.manager().query(`SELECT ${KEY_COLUMNS} FROM access.agent_keys WHERE id = $1`, [id]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async findByLookup(lookup: string): Promise<AgentKey | null> {
    const rows: Array<AgentKeySnapshot & { version: number }> = await this.tx.manager().query(`SELECT ${KEY_COLUMNS} FROM access.agent_keys WHERE lookup = $1`, [lookup]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async save(key: AgentKey): Promise<void> {
    const s = key.snapshot();
    const [, updated] = (await this.tx.manager().query(
      `UPDATE access.agent_keys SET revoked_at = $3, revoked_by = $4, revoked_reason = $5, version = version + 1 WHERE id = $1 AND version = $2`,
      [s.id, key.version, s.revokedAt, s.revokedBy, s.revokedReason],
    )) as [unknown, number];
    if (updated !== 1) throw new ConcurrentModificationError('Agent key', s.id);
  }

  async recordUse(key: AgentKey): Promise<void> {
    await this.tx.manager().query(`UPDATE access.agent_keys SET last_used_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [key.id, key.snapshot().lastUsedAt]);
  }

  async activeOf(environmentId: string): Promise<AgentKey[]> {
    const rows: Array<AgentKeySnapshot & { version: number }> = await this.tx
      .manager()
      .query(`SELECT ${KEY_COLUMNS} FROM access.agent_keys WHERE environment_id = $1 AND revoked_at IS NULL ORDER BY created_at, id`, [environmentId]);
    return rows.map(toKey);
  }

  async page(environmentId: string, includeRevoked: boolean, limit: number, after?: { t: string; id: string }): Promise<AgentKey[]> {
    const rows: Array<AgentKeySnapshot & { version: number }> = await this.tx.manager().query(
      `SELECT ${KEY_COLUMNS} FROM access.agent_keys
        WHERE environment_id = $1 AND ($2 OR revoked_at IS NULL) AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
        ORDER BY created_at, id LIMIT $5`,
      [environmentId, includeRevoked, after?.t ?? null, after?.id ?? null, limit + 1],
    );
    return rows.map(toKey);
  }
}

/** Reads `access.environments`, which `ProjectAccessEnvironmentOnInventoryEventsHandler` keeps. */
@Injectable()
export class TypeOrmAccessEnvironments extends AccessEnvironments {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async find(environmentId: string): Promise<AccessEnvironmentRow | null> {
    const rows: AccessEnvironmentRow[] = await this.tx
      .manager()
      .query(`SELECT environment_id AS "environmentId", tenant_id AS "tenantId", project_id AS "projectId", state FROM access.environments WHERE environment_id = $1`, [environmentId]);
    return rows[0] ?? null;
  }
}
