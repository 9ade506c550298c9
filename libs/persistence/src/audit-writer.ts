import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RequestContexts } from '@rcp/observability';
import { TransactionManager } from './transaction-manager';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  result: 'allowed' | 'denied' | 'failed';
  status?: number;
  code?: string;
  tenantId?: string | null;
  /** The project the action concerned; null (the default) for tenant-level and platform actions. */
  projectId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends to `platform.audit_log` (append-only: the app role has no UPDATE or DELETE on it). Allowed
 * mutations are written inside the command's transaction by the unit of work; refusals are written in a
 * transaction of their own after the command's was rolled back, so a refusal leaves exactly one row.
 */
@Injectable()
export class AuditWriter {
  constructor(private readonly tx: TransactionManager) {}

  async write(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const ctx = RequestContexts.current();
    const actor = ctx?.actor;
    const tenantId = entry.tenantId !== undefined ? entry.tenantId : (actor?.tenantId ?? null);
    const params = [
      tenantId,
      actor?.sub ?? 'anonymous',
      actor?.kind ?? 'anonymous',
      actor?.roles ?? [],
      entry.action,
      entry.targetType,
      entry.targetId ?? null,
      entry.result,
      entry.status ?? null,
      entry.code ?? null,
      ctx?.correlationId ?? null,
      ctx?.traceparent?.split('-')[1] ?? null,
      ctx?.ip ?? null,
      JSON.stringify(entry.details ?? {}),
      entry.projectId ?? null,
    ];
    const sql = `INSERT INTO platform.audit_log
      (tenant_id, actor, actor_kind, roles, action, target_type, target_id, result, status, code, correlation_id, trace_id, ip, details, project_id)
      VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`;
    if (manager) {
      // The command's own row: sent with its COMMIT, no round trip of its own.
      if (this.tx.inTransaction()) await this.tx.deferToCommit({ sql, params });
      else await manager.query(sql, params);
      return;
    }
    // A refusal: its own transaction, platform scope so the row can be written for any tenant.
    await this.tx.run((m) => m.query(sql, params), { tenantId, platform: true });
  }
}
