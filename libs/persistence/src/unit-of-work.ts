import { Injectable } from '@nestjs/common';
import { AuditWriter } from './audit-writer';
import { TransactionManager } from './transaction-manager';

export interface UnitOfWorkSpec<T> {
  /** Audit action, e.g. `tenant.suspend`. */
  action: string;
  targetType: string;
  targetId?: string | ((result: T) => string | null);
  /** Tenant the audit row belongs to when it is not the actor's (platform actions on a tenant). */
  tenantId?: string | null;
  /**
   * Project the audit row belongs to. Defaults to the project of the aggregates the work saved (when
   * they all belong to one), so a token limited to that project sees the row.
   */
  projectId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * One command, one transaction: the aggregate's state (saved with a version check by its repository),
 * its events (appended to the outbox by the same repository) and one `allowed` audit row commit together
 * or not at all. If the work throws, everything is rolled back; the HTTP layer then writes the `denied`
 * or `failed` audit row in its own transaction.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly tx: TransactionManager,
    private readonly audit: AuditWriter,
  ) {}

  execute<T>(spec: UnitOfWorkSpec<T>, work: () => Promise<T>): Promise<T> {
    return this.tx.run(async (manager) => {
      const result = await work();
      const targetId = typeof spec.targetId === 'function' ? spec.targetId(result) : spec.targetId;
      await this.audit.write(
        {
          action: spec.action,
          targetType: spec.targetType,
          targetId,
          result: 'allowed',
          tenantId: spec.tenantId,
          projectId: spec.projectId !== undefined ? spec.projectId : this.tx.notedProject(),
          details: spec.details,
        },
        manager,
      );
      return result;
    });
  }
}
