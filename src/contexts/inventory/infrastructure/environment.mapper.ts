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
import { EnvironmentEvent } from '../domain/inventory.domain-events';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { EnvironmentOrmEntity } from './environment.orm-entity';

/**
 * Mapping between the environment aggregate, its table row and its published events. The row carries the
 * snapshot's fields as they are; only the operation in flight is folded into its `operation_*` columns.
 */
export const EnvironmentMapper = {
  toDomain({ operationId, operationKind, operationAttempt, operationStartedAt, ...snapshot }: EnvironmentOrmEntity): RuntimeEnvironment {
    const operation =
      operationId && operationKind ? { id: operationId, kind: operationKind, attempt: operationAttempt ?? 1, startedAt: operationStartedAt ?? snapshot.updatedAt } : null;
    return RuntimeEnvironment.rehydrate({ ...snapshot, operation });
  },

  toRow(env: RuntimeEnvironment): Omit<EnvironmentOrmEntity, 'version'> {
    const { operation, ...snapshot } = env.snapshot();
    return {
      ...snapshot,
      operationId: operation?.id ?? null,
      operationKind: operation?.kind ?? null,
      operationAttempt: operation?.attempt ?? null,
      operationStartedAt: operation?.startedAt ?? null,
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
