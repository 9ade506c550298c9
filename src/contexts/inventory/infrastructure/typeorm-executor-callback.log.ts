import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { ExecutorCallbackLog } from '../application/ports/executor-callback-log.port';

/** `inventory.executor_callbacks`: the ids of executor callbacks already received. */
@Injectable()
export class TypeOrmExecutorCallbackLog extends ExecutorCallbackLog {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async remember(callbackId: string, r: { operationId: string; environmentId: string | null; tenantId: string | null; status: string }): Promise<boolean> {
    const rows: unknown[] = await this.tx.manager().query(
      `INSERT INTO inventory.executor_callbacks (callback_id, operation_id, environment_id, tenant_id, status)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (callback_id) DO NOTHING RETURNING callback_id`,
      [callbackId, r.operationId, r.environmentId, r.tenantId, r.status],
    );
    return rows.length === 1;
  }
}
