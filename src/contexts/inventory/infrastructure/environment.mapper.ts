import { publishing } from '@rcp/messaging';
import {
  EnvironmentDecommissionedV1,
  EnvironmentDecommissioningFailedV1,
  EnvironmentDecommissioningV1,
  EnvironmentProvisioningAttemptFailedV1,
  EnvironmentProvisioningFailedV1,
  EnvironmentProvisioningStartedV1,
  EnvironmentReadyV1,
  EnvironmentRequestedV1,
  EnvironmentRetryRequestedV1,
} from '../contracts';
import { EnvironmentType } from '../domain/environment-name.value-object';
import { EnvironmentEvent } from '../domain/inventory.domain-events';
import { PlacementProps } from '../domain/placement.value-object';
import { OperationKind } from '../domain/provisioning-policy';
import { EnvironmentState, RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { EnvironmentOrmEntity } from './environment.orm-entity';

/** Explicit mapping between the environment aggregate, its table row and its published events. */
export const EnvironmentMapper = {
  toDomain(row: EnvironmentOrmEntity): RuntimeEnvironment {
    return RuntimeEnvironment.rehydrate({
      id: row.id,
      tenantId: row.tenantId,
      projectId: row.projectId,
      name: row.name,
      type: row.type as EnvironmentType,
      region: row.region,
      labels: row.labels,
      placement: row.placement as PlacementProps,
      state: row.state as EnvironmentState,
      failureReason: row.failureReason,
      round: row.round,
      attempts: row.attempts,
      operation:
        row.operationId && row.operationKind
          ? { id: row.operationId, kind: row.operationKind as OperationKind, attempt: row.operationAttempt ?? 1, startedAt: row.operationStartedAt ?? row.updatedAt }
          : null,
      lastError: row.lastError,
      provisioningStartedAt: row.provisioningStartedAt,
      decommissionReason: row.decommissionReason,
      decommissionPending: row.decommissionPending,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      readyAt: row.readyAt,
      decommissionedAt: row.decommissionedAt,
    });
  },

  toRow(env: RuntimeEnvironment): Omit<EnvironmentOrmEntity, 'version'> {
    const s = env.snapshot();
    return {
      id: s.id,
      tenantId: s.tenantId,
      projectId: s.projectId,
      name: s.name,
      type: s.type,
      region: s.region,
      labels: s.labels,
      placement: s.placement,
      state: s.state,
      failureReason: s.failureReason,
      round: s.round,
      attempts: s.attempts,
      operationId: s.operation?.id ?? null,
      operationKind: s.operation?.kind ?? null,
      operationAttempt: s.operation?.attempt ?? null,
      operationStartedAt: s.operation?.startedAt ?? null,
      lastError: s.lastError,
      provisioningStartedAt: s.provisioningStartedAt,
      decommissionReason: s.decommissionReason,
      decommissionPending: s.decommissionPending,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      readyAt: s.readyAt,
      decommissionedAt: s.decommissionedAt,
    };
  },

  /**
   * Domain events → the published integration events of `contracts/`. Two domain events are internal
   * and not published: a decommissioning attempt starting (consumers follow decommissioning and its
   * outcome) and a deferred decommission (nothing changed for consumers yet).
   */
  toIntegrationEvents: publishing<EnvironmentEvent>({
    EnvironmentRequested: (e) => new EnvironmentRequestedV1({ ...e.payload, ...ref(e) }),
    EnvironmentProvisioningStarted: (e) => new EnvironmentProvisioningStartedV1({ ...ref(e), attempt: e.payload.attempt, operationId: e.payload.operationId }),
    EnvironmentProvisioningAttemptFailed: (e) =>
      new EnvironmentProvisioningAttemptFailedV1({ ...ref(e), operationId: e.payload.operationId, attempt: e.payload.attempt, reason: e.payload.reason, willRetry: e.payload.willRetry }),
    EnvironmentReady: (e) => new EnvironmentReadyV1({ ...e.payload, ...ref(e) }),
    EnvironmentProvisioningFailed: (e) => new EnvironmentProvisioningFailedV1({ ...ref(e), reason: e.payload.reason, attempts: e.payload.attempts }),
    EnvironmentRetryRequested: (e) => new EnvironmentRetryRequestedV1({ ...ref(e), round: e.payload.round, previousFailureReason: e.payload.previousFailureReason }),
    EnvironmentDecommissioning: (e) => new EnvironmentDecommissioningV1({ ...ref(e), reason: e.payload.reason }),
    EnvironmentDecommissioningAttemptStarted: 'internal',
    EnvironmentDecommissionDeferred: 'internal',
    EnvironmentDecommissioned: (e) => new EnvironmentDecommissionedV1(ref(e)),
    EnvironmentDecommissioningFailed: (e) => new EnvironmentDecommissioningFailedV1({ ...ref(e), reason: e.payload.reason, attempts: e.payload.attempts }),
  }),
};

/** What every published environment event carries to name its environment. */
function ref(e: EnvironmentEvent) {
  return { environmentId: e.aggregateId, tenantId: e.payload.tenantId, projectId: e.payload.projectId };
}
