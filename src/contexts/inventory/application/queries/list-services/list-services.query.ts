import { Query } from '@nestjs/cqrs';
import { AccessScope } from '../../access-scope';

export interface ServiceView {
  name: string;
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
  overQuota: boolean;
  removed: boolean;
  firstObservedAt: string;
  lastObservedAt: string;
  lastChangedAt: string;
  removedAt: string | null;
}

export interface ServiceInventoryView {
  environmentId: string;
  /** `observedAt` of the last applied actual-state report; null before the first. */
  lastObservedAt: string | null;
  items: ServiceView[];
}

/** The live inventory of an environment (optionally with services that disappeared). */
export class ListServicesQuery extends Query<ServiceInventoryView> {
  constructor(
    readonly environmentId: string,
    readonly includeRemoved: boolean,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
