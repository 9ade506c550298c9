import { createHash } from 'node:crypto';
import { ValueObject } from '@rcp/ddd';
import { TenantPlacement } from './tenant-terms';

export interface PlacementProps {
  model: 'dedicated' | 'pool' | 'shared';
  cluster: string;
  namespace: string;
  dataStore: string;
}

/** Longest namespace name Kubernetes accepts (a DNS label). */
export const MAX_NAMESPACE_LENGTH = 63;

/**
 * Where one environment lives, derived from its tenant's isolation placement:
 * the tenant's cluster and data store, and the namespace `${namespacePrefix}${projectId}-${name}`.
 *
 * Two rules keep the namespace usable and isolated:
 * - when the tenant's prefix does not name the tenant (the `shared` placement uses `shared-` for all
 *   tenants), the tenant id is inserted after the prefix, so two tenants never share a namespace;
 * - a name longer than 63 characters is shortened to 54 characters, `-` and 8 hex characters of its
 *   SHA-256, so it stays a valid DNS label and stays unique.
 * Deterministic: the same tenant placement, project and name always give the same placement.
 */
export class EnvironmentPlacement extends ValueObject<PlacementProps> {
  private constructor(props: PlacementProps) {
    super(props);
  }

  static derive(tenantId: string, tenant: TenantPlacement, projectId: string, name: string): EnvironmentPlacement {
    const prefix = tenant.namespacePrefix.startsWith(`${tenantId}-`) ? tenant.namespacePrefix : `${tenant.namespacePrefix}${tenantId}-`;
    return new EnvironmentPlacement({
      model: tenant.model,
      cluster: tenant.cluster,
      namespace: shortenDnsLabel(`${prefix}${projectId}-${name}`),
      dataStore: tenant.dataStore,
    });
  }

  get value(): PlacementProps {
    return { ...this.props };
  }
}

export function shortenDnsLabel(raw: string): string {
  const label = raw.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (label.length <= MAX_NAMESPACE_LENGTH) return label;
  const hash = createHash('sha256').update(label).digest('hex').slice(0, 8);
  return `${label.slice(0, MAX_NAMESPACE_LENGTH - 9).replace(/-+$/, '')}-${hash}`;
}
