import { ReadModelTable } from '@rcp/messaging';
import { EnvironmentLifecycleState } from '../../../inventory/contracts';

export type KnownEnvironmentState = EnvironmentLifecycleState;

/** A row of `configuration.environments`: what inventory published about each environment, as much as this context needs. */
export interface EnvironmentRow extends Record<string, unknown> {
  environmentId: string;
  tenantId: string;
  projectId: string;
  state: KnownEnvironmentState;
}

/** The table, written only by `ProjectEnvironmentOnInventoryEventsHandler`; each row remembers the environment version it reflects. */
export const ENVIRONMENTS = new ReadModelTable<EnvironmentRow>({ table: 'configuration.environments', key: ['environmentId'], versioned: true });

/** Configuration's local read model of environments; it never reads inventory's tables. */
export abstract class EnvironmentDirectory {
  /** The environment (of the transaction's tenant, by row-level security), or null if this context has not seen it requested. */
  abstract find(environmentId: string): Promise<EnvironmentRow | null>;
}
