import { ReadModelTable } from '@rcp/messaging';
import { EnvironmentLifecycleState } from '../../../inventory/contracts';
import { HealthStatusName } from '../../../health/contracts';
import { ActualService, ServiceSignals } from '../../domain/reconciliation';
import { KnownRelease } from '../../domain/remediation-policy';

/** Drift's copies of what the other contexts published: the actual state and the signals that explain it. */

export interface DriftEnvironmentRow extends Record<string, unknown> {
  environmentId: string;
  tenantId: string;
  projectId: string;
  state: EnvironmentLifecycleState;
}
/** A service as inventory last observed it (the actual state). */
export interface DriftServiceRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  tenantId: string;
  image: string;
  replicas: number;
  readyReplicas: number;
  configChecksum: string | null;
  observedAt: string;
  removed: boolean;
}
/** The health of a service as a whole, as health's events left it. */
export interface DriftServiceHealthRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  tenantId: string;
  status: HealthStatusName;
  since: string;
  reason: string;
}
/** A service's scaling policy bounds and its last decision (one scaling policy aggregate feeds a row). */
export interface DriftScalingRow extends Record<string, unknown> {
  environmentId: string;
  service: string;
  tenantId: string;
  minReplicas?: number | null;
  maxReplicas?: number | null;
  decisionId?: string | null;
  desiredReplicas?: number | null;
  decidedAt?: string | null;
}
/** A deployment as its events left it: what it released, how it ended, whether its health gate rolled it back. */
export interface DriftReleaseRow extends Record<string, unknown> {
  deploymentId: string;
  environmentId: string;
  service: string;
  tenantId: string;
  revision: number;
  image: string;
  configChecksum: string;
  state: string;
  gateRollback: boolean;
  reason: string | null;
  endedAt: string | null;
}

export const DRIFT_ENVIRONMENTS = new ReadModelTable<DriftEnvironmentRow>({ table: 'drift.environments', key: ['environmentId'], versioned: true });
export const DRIFT_SERVICES = new ReadModelTable<DriftServiceRow>({ table: 'drift.services', key: ['environmentId', 'service'], versioned: true });
export const DRIFT_SERVICE_HEALTH = new ReadModelTable<DriftServiceHealthRow>({ table: 'drift.service_health', key: ['environmentId', 'service'], versioned: true });
export const DRIFT_SCALING = new ReadModelTable<DriftScalingRow>({ table: 'drift.scaling', key: ['environmentId', 'service'], versioned: true });
export const DRIFT_RELEASES = new ReadModelTable<DriftReleaseRow>({ table: 'drift.releases', key: ['deploymentId'], versioned: true });

/** A deployment rolled back by its health gate: its image is quarantined while the desired state that named it stands. */
export interface GateRollback {
  deploymentId: string;
  service: string;
  image: string;
  reason: string;
  at: Date;
}

/** Everything one reconciliation of an environment reads of the read models, in one go. */
export interface ActualPicture {
  environment: DriftEnvironmentRow | null;
  services: ActualService[];
  signals: Map<string, ServiceSignals>;
  /** Succeeded releases per service, newest first. */
  succeeded: Map<string, KnownRelease[]>;
  gateRollbacks: GateRollback[];
}

/** What drift's commands read of its read models. */
export abstract class DriftDirectory {
  abstract environment(environmentId: string): Promise<DriftEnvironmentRow | null>;
  abstract picture(environmentId: string): Promise<ActualPicture>;
}

/** When a delivered event's fact happened (its envelope's `time`). */
export const eventTimeOf = (e: { meta?: { time: string } }): string => e.meta?.time ?? new Date().toISOString();
