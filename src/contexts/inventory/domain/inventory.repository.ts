import { RuntimeEnvironment, EnvironmentState } from './runtime-environment.aggregate';
import { RuntimeServiceInventory } from './runtime-service-inventory.aggregate';

/** Keyset position in the environment list (creation order). */
export interface EnvironmentCursor {
  t: string;
  id: string;
}

export interface EnvironmentFilter {
  /** The caller's tenant, named in the query as well as enforced by row-level security; absent for platform readers. */
  tenantId?: string;
  projectId?: string;
  state?: EnvironmentState;
  /** A token narrowed to these projects sees only their environments. */
  projectIds?: string[];
  limit: number;
  after?: EnvironmentCursor;
}

/**
 * Port: whole-aggregate persistence of environments, inside the current unit of work. Row-level
 * security narrows every read to the acting tenant; these methods add no tenant filter of their own
 * beyond what the caller passes.
 */
export abstract class RuntimeEnvironmentRepository {
  abstract findById(id: string): Promise<RuntimeEnvironment | null>;
  /** The environment whose provisioner operation is in flight under this id. */
  abstract findByOperation(operationId: string): Promise<RuntimeEnvironment | null>;
  /** Saves with an optimistic version check and appends the recorded events to the outbox. */
  abstract save(environment: RuntimeEnvironment): Promise<void>;
  /** Environments of a tenant that still count against its quota (not decommissioned). */
  abstract countLive(tenantId: string): Promise<number>;
  /** Ids of a tenant's environments that are not decommissioned yet (created at or after `createdFrom`, if given). */
  abstract liveIdsOf(tenantId: string, opts?: { createdFrom?: Date }): Promise<string[]>;
  /** `limit + 1` environments in creation order after a keyset position. */
  abstract page(filter: EnvironmentFilter): Promise<RuntimeEnvironment[]>;
  /** Up to `limit` environments that run workloads (ready), in id order after `afterId`, for a pull of what runs. */
  abstract running(limit: number, afterId?: string): Promise<Array<{ id: string; tenantId: string; projectId: string }>>;
}

/** Port: the live service inventory of an environment (one aggregate per environment). */
export abstract class ServiceInventoryRepository {
  abstract findByEnvironment(environmentId: string): Promise<RuntimeServiceInventory | null>;
  abstract save(inventory: RuntimeServiceInventory): Promise<void>;
}
