import { IntegrationEvent, PublishedEvent } from '@rcp/messaging';

/**
 * Published events of the drift context (`rcp.drift.*.v1`): desired states recorded from Git, findings
 * detected and resolved with their evidence, remediation asked for (the deployment context answers with
 * a corrective deployment) and how it failed, suppressions and quarantines, and reconciliations with
 * their counts.
 */

const env = { environmentId: { type: 'string', format: 'uuid' }, tenantId: { type: 'string' }, projectId: { type: 'string' } };
const ENV = ['environmentId', 'tenantId', 'projectId'];
const KINDS = ['missing-service', 'unexpected-service', 'image-mismatch', 'replica-mismatch', 'config-mismatch', 'persistently-unhealthy'];
const finding = { ...env, findingId: { type: 'string', format: 'uuid' }, service: { type: 'string' }, kind: { enum: KINDS }, fingerprint: { type: 'string' } };
const FINDING = [...ENV, 'findingId', 'service', 'kind', 'fingerprint'];
const value = { type: ['string', 'integer', 'null'] };

interface EnvironmentRefData {
  environmentId: string;
  tenantId: string;
  projectId: string;
}
export interface FindingRefData extends EnvironmentRefData {
  findingId: string;
  service: string;
  kind: string;
  fingerprint: string;
}
export interface EvidenceData {
  signal: string;
  says: string;
  detail: string;
  at: string | null;
}

export interface DesiredStateRecordedData extends EnvironmentRefData {
  snapshotId: string;
  repository: string;
  revision: string;
  path: string;
  services: number;
  observedAt: string;
  current: boolean;
  reason: string | null;
}
@PublishedEvent({
  type: 'rcp.drift.desired-state-recorded.v1',
  description: 'A GitOps pipeline posted the desired state of an environment (repository, commit, path). `current` is false for an older revision of the same repository: recorded, not applied.',
  schema: {
    type: 'object',
    required: [...ENV, 'snapshotId', 'repository', 'revision', 'path', 'services', 'observedAt', 'current', 'reason'],
    properties: {
      ...env,
      snapshotId: { type: 'string', format: 'uuid' },
      repository: { type: 'string' },
      revision: { type: 'string' },
      path: { type: 'string' },
      services: { type: 'integer', minimum: 0 },
      observedAt: { type: 'string', format: 'date-time' },
      current: { type: 'boolean' },
      reason: { type: ['string', 'null'] },
    },
  },
})
export class DesiredStateRecordedV1 extends IntegrationEvent<DesiredStateRecordedData> {}

const evidence = {
  type: 'array',
  items: {
    type: 'object',
    required: ['signal', 'says', 'detail', 'at'],
    properties: { signal: { type: 'string' }, says: { enum: ['shows', 'explains', 'contradicts'] }, detail: { type: 'string' }, at: { type: ['string', 'null'], format: 'date-time' } },
  },
};

export interface DriftDetectedData extends FindingRefData {
  desired: string | number | null;
  actual: string | number | null;
  desiredRevision: string;
  evidence: EvidenceData[];
}
@PublishedEvent({
  type: 'rcp.drift.drift-detected.v1',
  description: 'What runs differs from what Git declares: a new finding (one per fingerprint: environment, service, kind, desired value), with the desired and actual values and the evidence.',
  schema: { type: 'object', required: [...FINDING, 'desired', 'actual', 'desiredRevision', 'evidence'], properties: { ...finding, desired: value, actual: value, desiredRevision: { type: 'string' }, evidence } },
})
export class DriftDetectedV1 extends IntegrationEvent<DriftDetectedData> {}

export interface DriftResolvedData extends FindingRefData {
  how: string;
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
}
@PublishedEvent({
  type: 'rcp.drift.drift-resolved.v1',
  description: 'A finding ended: its divergence is gone (by itself, by a corrective deployment, or a signal now explains it), or its environment was decommissioned.',
  schema: {
    type: 'object',
    required: [...FINDING, 'how', 'firstSeenAt', 'lastSeenAt', 'occurrences'],
    properties: { ...finding, how: { type: 'string' }, firstSeenAt: { type: 'string', format: 'date-time' }, lastSeenAt: { type: 'string', format: 'date-time' }, occurrences: { type: 'integer', minimum: 1 } },
  },
})
export class DriftResolvedV1 extends IntegrationEvent<DriftResolvedData> {}

export interface RemediationRequestedData extends FindingRefData {
  action: 'reapply' | 'redeploy' | 'rollback';
  toRevision: number | null;
  desired: { image: string; replicas: number; configChecksum: string | null } | null;
  automatic: boolean;
  requestedBy: string;
  attempt: number;
}
@PublishedEvent({
  type: 'rcp.drift.remediation-requested.v1',
  description:
    'A corrective deployment is asked for a finding (by a person, or by auto-remediation within the policy): `reapply` the release `toRevision` that last succeeded, ' +
    '`rollback` to the earlier succeeded release `toRevision`, or `redeploy` the desired image. The deployment context creates it with reason drift-remediation.',
  schema: {
    type: 'object',
    required: [...FINDING, 'action', 'toRevision', 'desired', 'automatic', 'requestedBy', 'attempt'],
    properties: {
      ...finding,
      action: { enum: ['reapply', 'redeploy', 'rollback'] },
      toRevision: { type: ['integer', 'null'], minimum: 1 },
      desired: {
        type: ['object', 'null'],
        required: ['image', 'replicas', 'configChecksum'],
        properties: { image: { type: 'string' }, replicas: { type: 'integer', minimum: 0 }, configChecksum: { type: ['string', 'null'] } },
      },
      automatic: { type: 'boolean' },
      requestedBy: { type: 'string' },
      attempt: { type: 'integer', minimum: 1 },
    },
  },
})
export class RemediationRequestedV1 extends IntegrationEvent<RemediationRequestedData> {}

export interface RemediationFailedData extends FindingRefData {
  deploymentId: string | null;
  outcome: string;
  reason: string;
}
@PublishedEvent({
  type: 'rcp.drift.remediation-failed.v1',
  description: 'The corrective deployment of a finding failed, was aborted or rolled back, or succeeded without the divergence going away (`not-held`): the finding is open again.',
  schema: {
    type: 'object',
    required: [...FINDING, 'deploymentId', 'outcome', 'reason'],
    properties: { ...finding, deploymentId: { type: ['string', 'null'], format: 'uuid' }, outcome: { enum: ['failed', 'rolled_back', 'aborted', 'not-held'] }, reason: { type: 'string' } },
  },
})
export class RemediationFailedV1 extends IntegrationEvent<RemediationFailedData> {}

export interface FindingSuppressedData extends FindingRefData {
  reason: string;
  until: string | null;
  by: string;
}
@PublishedEvent({
  type: 'rcp.drift.finding-suppressed.v1',
  description: 'A person suppressed a finding, with a reason and an optional expiry: it is still tracked, never remediated, and open again when the expiry passes.',
  schema: { type: 'object', required: [...FINDING, 'reason', 'until', 'by'], properties: { ...finding, reason: { type: 'string' }, until: { type: ['string', 'null'], format: 'date-time' }, by: { type: 'string' } } },
})
export class FindingSuppressedV1 extends IntegrationEvent<FindingSuppressedData> {}

export interface FindingQuarantinedData extends FindingRefData {
  image: string;
  deploymentId: string;
  reason: string;
}
@PublishedEvent({
  type: 'rcp.drift.finding-quarantined.v1',
  description: 'The image the desired state names was rolled back by its health gate: drift does not re-apply it until a newer desired-state revision arrives.',
  schema: { type: 'object', required: [...FINDING, 'image', 'deploymentId', 'reason'], properties: { ...finding, image: { type: 'string' }, deploymentId: { type: 'string', format: 'uuid' }, reason: { type: 'string' } } },
})
export class FindingQuarantinedV1 extends IntegrationEvent<FindingQuarantinedData> {}

export interface ReconciliationCompletedData extends EnvironmentRefData {
  trigger: 'scheduled' | 'on-demand' | 'change';
  desiredRevision: string;
  counts: { open: number; detected: number; resolved: number; explained: number; skipped: number };
}
@PublishedEvent({
  type: 'rcp.drift.reconciliation-completed.v1',
  description:
    'An environment was reconciled against its desired state, with counts: unresolved findings after it, detected, resolved, explained (a scaling decision accounts for it) and skipped ' +
    '(a rollout in progress). Published for every run asked for (on demand, or by a change) and for scheduled runs that found or resolved something.',
  schema: {
    type: 'object',
    required: [...ENV, 'trigger', 'desiredRevision', 'counts'],
    properties: {
      ...env,
      trigger: { enum: ['scheduled', 'on-demand', 'change'] },
      desiredRevision: { type: 'string' },
      counts: {
        type: 'object',
        required: ['open', 'detected', 'resolved', 'explained', 'skipped'],
        properties: { open: { type: 'integer' }, detected: { type: 'integer' }, resolved: { type: 'integer' }, explained: { type: 'integer' }, skipped: { type: 'integer' } },
      },
    },
  },
})
export class ReconciliationCompletedV1 extends IntegrationEvent<ReconciliationCompletedData> {}
