import { publishing } from '@rcp/messaging';
import {
  DesiredStateRecordedV1,
  DriftDetectedV1,
  DriftResolvedV1,
  FindingQuarantinedV1,
  FindingSuppressedV1,
  ReconciliationCompletedV1,
  RemediationFailedV1,
  RemediationRequestedV1,
} from '../contracts';
import { DriftFindingEvent, EnvironmentDriftEvent } from '../domain/drift.domain-events';
import { RuntimeDriftFinding } from '../domain/drift-finding.aggregate';
import { DesiredSnapshot, EnvironmentDrift } from '../domain/environment-drift.aggregate';
import { DriftFindingOrmEntity, EnvironmentDriftOrmEntity, StoredDesiredSnapshot } from './drift.orm-entities';

export const storedSnapshot = (d: DesiredSnapshot): StoredDesiredSnapshot => ({ ...d, observedAt: d.observedAt.toISOString(), recordedAt: d.recordedAt.toISOString() });
export const desiredSnapshotOf = (d: StoredDesiredSnapshot): DesiredSnapshot => ({ ...d, observedAt: new Date(d.observedAt), recordedAt: new Date(d.recordedAt) });

/** Row ↔ aggregate (the newest desired state's times are strings in jsonb), and its events as published. */
export const EnvironmentDriftMapper = {
  toDomain({ version, desired, ...row }: EnvironmentDriftOrmEntity): EnvironmentDrift {
    return EnvironmentDrift.rehydrate({ ...row, desired: desired ? desiredSnapshotOf(desired) : null }, version);
  },
  toRow(d: EnvironmentDrift): Omit<EnvironmentDriftOrmEntity, 'version'> {
    const s = d.snapshot();
    return { ...s, desired: s.desired ? storedSnapshot(s.desired) : null };
  },
  toIntegrationEvents: publishing<EnvironmentDriftEvent>({
    DesiredStateRecorded: (e) => new DesiredStateRecordedV1({ ...e.payload }),
    ReconciliationCompleted: (e) => new ReconciliationCompletedV1({ ...e.payload, counts: { ...e.payload.counts } }),
  }),
};

/** Row ↔ aggregate; every finding event is published with the finding's id. */
export const DriftFindingMapper = {
  toDomain({ version, deploymentId: _d, ...row }: DriftFindingOrmEntity): RuntimeDriftFinding {
    return RuntimeDriftFinding.rehydrate(row, version);
  },
  toRow(f: RuntimeDriftFinding): Omit<DriftFindingOrmEntity, 'version'> {
    return { ...f.snapshot(), deploymentId: f.lastAttempt?.deploymentId ?? null };
  },
  toIntegrationEvents: publishing<DriftFindingEvent>({
    DriftDetected: (e) => new DriftDetectedV1({ ...e.payload, evidence: e.payload.evidence.map((x) => ({ ...x })), findingId: e.aggregateId }),
    DriftResolved: (e) => new DriftResolvedV1({ ...e.payload, findingId: e.aggregateId }),
    RemediationRequested: (e) => new RemediationRequestedV1({ ...e.payload, desired: e.payload.desired ? { ...e.payload.desired } : null, findingId: e.aggregateId }),
    RemediationFailed: (e) => new RemediationFailedV1({ ...e.payload, findingId: e.aggregateId }),
    FindingSuppressed: (e) => new FindingSuppressedV1({ ...e.payload, findingId: e.aggregateId }),
    FindingQuarantined: (e) => new FindingQuarantinedV1({ ...e.payload, findingId: e.aggregateId }),
  }),
};
