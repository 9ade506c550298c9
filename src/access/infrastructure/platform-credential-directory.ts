import { Injectable } from '@nestjs/common';
import { TransactionManager } from '@rcp/persistence';
import { CredentialKind } from '../domain/agent-credential';
import { CredentialDirectory, CredentialOwner } from '../application/ports/credential-directory.port';

const TABLE: Record<CredentialKind, string> = { rcpet: 'access.agent_enrollments', rcpak: 'access.agent_keys' };

/**
 * The owner of a presented credential, read in platform scope (the caller is not known yet): the one
 * cross-tenant read of the access module. It answers the id, tenant, project and environment of the row
 * with that lookup, and never the hash: the proof is checked afterwards, in the owner's scope.
 */
@Injectable()
export class PlatformCredentialDirectory extends CredentialDirectory {
  constructor(private readonly tx: TransactionManager) {
    super();
  }

  async ownerOf(kind: CredentialKind, lookup: string): Promise<CredentialOwner | null> {
    const rows: CredentialOwner[] = await this.tx.read(
      (m) => m.query(`SELECT id, tenant_id AS "tenantId", project_id AS "projectId", environment_id AS "environmentId" FROM ${TABLE[kind]} WHERE lookup = $1`, [lookup]),
      { tenantId: null, platform: true },
    );
    return rows[0] ?? null;
  }
}
