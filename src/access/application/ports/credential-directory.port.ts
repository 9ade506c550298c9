import { CredentialKind } from '../../domain/agent-credential';

/** Whose a presented credential is: the one read that crosses tenants (before anyone is known). */
export interface CredentialOwner {
  /** The enrollment's or key's id. */
  id: string;
  tenantId: string;
  projectId: string;
  environmentId: string;
}

/**
 * Finds the tenant of an enrollment token or agent key by its lookup, before the caller is known (the
 * bearer is the credential itself). It reads across tenants, so it answers the owner and nothing
 * else; everything after it runs in that tenant's scope, under row-level security.
 */
export abstract class CredentialDirectory {
  abstract ownerOf(kind: CredentialKind, lookup: string): Promise<CredentialOwner | null>;
}
