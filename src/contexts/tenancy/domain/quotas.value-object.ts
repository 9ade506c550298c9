import { DomainError, ValueObject } from '@rcp/ddd';

export interface QuotasProps {
  maxEnvironments: number;
  maxServicesPerEnvironment: number;
  maxReplicasPerService: number;
  maxTotalReplicas: number;
}

/** Upper bounds a platform team may grant; beyond them a quota is a typo, not a plan. */
export const QUOTA_LIMITS: Readonly<QuotasProps> = {
  maxEnvironments: 1000,
  maxServicesPerEnvironment: 500,
  maxReplicasPerService: 1000,
  maxTotalReplicas: 100_000,
};

/** What a tenant currently uses, as the tenancy context learns it from inventory's events. */
export interface Usage {
  environments: number;
  /** The most services in any one environment. */
  servicesPerEnvironment: number;
  /** The most replicas of any one service. */
  replicasPerService: number;
  totalReplicas: number;
}

export const NO_USAGE: Usage = { environments: 0, servicesPerEnvironment: 0, replicasPerService: 0, totalReplicas: 0 };

/** A tenant's quotas: every one a positive integer within `QUOTA_LIMITS`. */
export class Quotas extends ValueObject<QuotasProps> {
  private constructor(props: QuotasProps) {
    super(props);
  }

  static of(props: QuotasProps): Quotas {
    for (const key of Object.keys(QUOTA_LIMITS) as (keyof QuotasProps)[]) {
      const v = props[key];
      if (!Number.isInteger(v) || v < 1 || v > QUOTA_LIMITS[key]) {
        throw new DomainError('validation_failed', `quotas.${key} must be an integer from 1 to ${QUOTA_LIMITS[key]}`, { field: `quotas.${key}` });
      }
    }
    if (props.maxReplicasPerService > props.maxTotalReplicas) {
      throw new DomainError('validation_failed', 'quotas.maxReplicasPerService cannot exceed quotas.maxTotalReplicas', { field: 'quotas.maxReplicasPerService' });
    }
    return new Quotas({ ...props });
  }

  get value(): QuotasProps {
    return this.props;
  }

  /** The quotas that current usage exceeds (empty when within quota). */
  exceededBy(usage: Usage): (keyof QuotasProps)[] {
    const over: (keyof QuotasProps)[] = [];
    if (usage.environments > this.props.maxEnvironments) over.push('maxEnvironments');
    if (usage.servicesPerEnvironment > this.props.maxServicesPerEnvironment) over.push('maxServicesPerEnvironment');
    if (usage.replicasPerService > this.props.maxReplicasPerService) over.push('maxReplicasPerService');
    if (usage.totalReplicas > this.props.maxTotalReplicas) over.push('maxTotalReplicas');
    return over;
  }
}
