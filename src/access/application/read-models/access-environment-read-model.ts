import { ReadModelTable } from '@rcp/messaging';
import { EnvironmentLifecycleState } from '../../../contexts/inventory/contracts';

export type AccessEnvironmentState = EnvironmentLifecycleState;

/** A row of `access.environments`: what inventory published about each environment, as much as agent access needs. */
export interface AccessEnvironmentRow extends Record<string, unknown> {
  environmentId: string;
  tenantId: string;
  projectId: string;
  state: AccessEnvironmentState;
}

/** Written only by `ProjectAccessEnvironmentOnInventoryEventsHandler`; each row remembers the environment version it reflects. */
export const ACCESS_ENVIRONMENTS = new ReadModelTable<AccessEnvironmentRow>({ table: 'access.environments', key: ['environmentId'], versioned: true });

/** The access module's read model of environments; it never reads inventory's tables. */
export abstract class AccessEnvironments {
  /** The environment (of the transaction's tenant, by row-level security), or null if not seen requested. */
  abstract find(environmentId: string): Promise<AccessEnvironmentRow | null>;
}
