import { DomainEvent } from '@rcp/ddd';
import { IntegrationEvent } from '@rcp/messaging';
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
import {
  EnvironmentDecommissionDeferred,
  EnvironmentDecommissioned,
  EnvironmentDecommissioning,
  EnvironmentDecommissioningAttemptStarted,
  EnvironmentDecommissioningFailed,
  EnvironmentProvisioningAttemptFailed,
  EnvironmentProvisioningFailed,
  EnvironmentProvisioningStarted,
  EnvironmentReady,
  EnvironmentRequested,
  EnvironmentRetryRequested,
} from '../domain/inventory.domain-events';
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
  toIntegrationEvents(environmentId: string, events: DomainEvent[]): IntegrationEvent[] {
    return events.flatMap((e): IntegrationEvent[] => {
      const ref = { environmentId, tenantId: (e.payload as { tenantId: string }).tenantId, projectId: (e.payload as { projectId: string }).projectId };
      if (e instanceof EnvironmentRequested) return [new EnvironmentRequestedV1({ ...e.payload, ...ref })];
      if (e instanceof EnvironmentProvisioningStarted) return [new EnvironmentProvisioningStartedV1({ ...ref, attempt: e.payload.attempt, operationId: e.payload.operationId })];
      if (e instanceof EnvironmentProvisioningAttemptFailed) {
        const p = e.payload;
        return [new EnvironmentProvisioningAttemptFailedV1({ ...ref, operationId: p.operationId, attempt: p.attempt, reason: p.reason, willRetry: p.willRetry })];
      }
      if (e instanceof EnvironmentReady) return [new EnvironmentReadyV1({ ...e.payload, ...ref })];
      if (e instanceof EnvironmentProvisioningFailed) return [new EnvironmentProvisioningFailedV1({ ...ref, reason: e.payload.reason, attempts: e.payload.attempts })];
      if (e instanceof EnvironmentRetryRequested) return [new EnvironmentRetryRequestedV1({ ...ref, round: e.payload.round, previousFailureReason: e.payload.previousFailureReason })];
      if (e instanceof EnvironmentDecommissioning) return [new EnvironmentDecommissioningV1({ ...ref, reason: e.payload.reason })];
      if (e instanceof EnvironmentDecommissioned) return [new EnvironmentDecommissionedV1(ref)];
      if (e instanceof EnvironmentDecommissioningFailed) return [new EnvironmentDecommissioningFailedV1({ ...ref, reason: e.payload.reason, attempts: e.payload.attempts })];
      if (e instanceof EnvironmentDecommissioningAttemptStarted || e instanceof EnvironmentDecommissionDeferred) return [];
      throw new Error(`No integration event for ${e.name}`);
    });
  },
};
