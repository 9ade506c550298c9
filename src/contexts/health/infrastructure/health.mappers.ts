import { publishing } from '@rcp/messaging';
import { ScalingAppliedV1, ScalingDecisionMadeV1, ScalingFailedV1, ScalingPolicySetV1, ServiceHealthChangedV1 } from '../contracts';
import { HealthCheckResult } from '../domain/health-check-result.aggregate';
import { HealthEvent, ScalingEvent } from '../domain/health.domain-events';
import { ScalingDecision, ScalingPolicy } from '../domain/scaling-policy.aggregate';
import { CheckResultOrmEntity, ScalingDecisionOrmEntity, ScalingPolicyOrmEntity } from './health.orm-entities';

export const CheckResultMapper = {
  toDomain({ version, revision, ...s }: CheckResultOrmEntity): HealthCheckResult {
    return HealthCheckResult.rehydrate({ ...s, revision: revision === '' ? null : revision }, version);
  },
  toRow(r: HealthCheckResult): Omit<CheckResultOrmEntity, 'version'> {
    const s = r.snapshot();
    return { ...s, revision: s.revision ?? '' };
  },
  toIntegrationEvents: publishing<HealthEvent>({
    ServiceHealthChanged: (e) => new ServiceHealthChangedV1({ ...e.payload }),
  }),
};

export const ScalingPolicyMapper = {
  toDomain({ version, ...s }: ScalingPolicyOrmEntity, decisions: ScalingDecisionOrmEntity[]): ScalingPolicy {
    return ScalingPolicy.rehydrate(s, version, decisions.map(ScalingPolicyMapper.decisionOf));
  },
  toRow(p: ScalingPolicy): Omit<ScalingPolicyOrmEntity, 'version'> {
    return { ...p.snapshot() };
  },
  decisionOf({ policyId: _p, tenantId: _t, projectId: _pr, environmentId: _e, service: _s, ...d }: ScalingDecisionOrmEntity): ScalingDecision {
    return d;
  },
  decisionRow(p: ScalingPolicy, d: ScalingDecision): ScalingDecisionOrmEntity {
    const { id, tenantId, projectId, environmentId, service } = p.snapshot();
    return { ...d, policyId: id, tenantId, projectId, environmentId, service };
  },
  toIntegrationEvents: publishing<ScalingEvent>({
    ScalingPolicySet: (e) => new ScalingPolicySetV1({ ...e.payload, policyId: e.aggregateId }),
    ScalingDecisionMade: (e) => new ScalingDecisionMadeV1({ ...e.payload }),
    ScalingApplied: (e) => new ScalingAppliedV1({ ...e.payload }),
    ScalingFailed: (e) => new ScalingFailedV1({ ...e.payload }),
  }),
};
