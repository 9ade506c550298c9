import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { EnvironmentDirectory, EnvironmentRow } from '../application/read-models/environment-read-model';

/** Reads `configuration.environments`, which `ProjectEnvironmentOnInventoryEventsHandler` keeps. */
@Injectable()
export class TypeOrmEnvironmentDirectory extends EnvironmentDirectory {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async find(environmentId: string): Promise<EnvironmentRow | null> {
    const rows: Array<{ environment_id: string; tenant_id: string; project_id: string; state: EnvironmentRow['state'] }> = await this.tx
      .manager()
      .query(`SELECT environment_id, tenant_id, project_id, state FROM configuration.environments WHERE environment_id = $1`, [environmentId]);
    const r = rows[0];
    return r ? { environmentId: r.environment_id, tenantId: r.tenant_id, projectId: r.project_id, state: r.state } : null;
  }
}
