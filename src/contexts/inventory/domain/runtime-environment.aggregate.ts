import { AggregateRoot, DomainError, Lifecycle, PreconditionFailedError, QuotaExceededError } from '@rcp/ddd';
import { ENVIRONMENT_TYPES, EnvironmentName, EnvironmentType, REGION_PATTERN } from './environment-name.value-object';
import {
  EnvironmentDecommissionDeferred,
  EnvironmentDecommissioned,
  EnvironmentDecommissioning,
  EnvironmentDecommissioningAttemptStarted,
  EnvironmentDecommissioningFailed,
  EnvironmentEvent,
  EnvironmentProvisioningAttemptFailed,
  EnvironmentProvisioningFailed,
  EnvironmentProvisioningStarted,
  EnvironmentReady,
  EnvironmentRequested,
  EnvironmentRetryRequested,
} from './inventory.domain-events';
import { Labels } from './labels.value-object';
import { EnvironmentPlacement, PlacementProps } from './placement.value-object';
import { ProjectId } from './project-id.value-object';
import { MAX_OPERATION_ATTEMPTS, OperationInFlight, OperationOutcome } from './provisioning-policy';
import { TenantTerms } from './tenant-terms';

export type EnvironmentState = 'requested' | 'provisioning' | 'ready' | 'failed' | 'decommissioning' | 'decommissioned';
export const ENVIRONMENT_STATES: readonly EnvironmentState[] = ['requested', 'provisioning', 'ready', 'failed', 'decommissioning', 'decommissioned'];

const UNTIL_SETTLED = 'be decommissioned until provisioning has settled (ready or failed)';

/**
 * What a caller may ask of an environment in which state (the outcomes of operations, a timeout and a
 * system's decommission never refuse, so they are not here). The attempts are guarded by the operation
 * in flight: a new attempt starts only once the last one has ended.
 */
export const ENVIRONMENT_LIFECYCLE = new Lifecycle<
  EnvironmentState,
  'startProvisioningAttempt' | 'startDecommissioningAttempt' | 'retry' | 'decommission' | 'reportActualState',
  { operation: OperationInFlight | null }
>('Environment', {
  startProvisioningAttempt: { from: ['requested', 'provisioning'], to: 'provisioning', guard: (env) => env.operation === null, describe: 'start a provisioning attempt' },
  startDecommissioningAttempt: { from: ['decommissioning'], guard: (env) => env.operation === null, describe: 'start a decommissioning attempt' },
  retry: { from: ['failed'], to: 'requested', describe: 'be retried' },
  decommission: { from: ['ready', 'failed'], to: 'decommissioning', describe: 'be decommissioned again', refusals: { requested: UNTIL_SETTLED, provisioning: UNTIL_SETTLED } },
  reportActualState: { from: ['ready', 'decommissioning'], describe: 'accept actual-state reports (only ready or decommissioning environments do)' },
});

export interface EnvironmentSnapshot {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  type: EnvironmentType;
  region: string;
  labels: Record<string, string>;
  placement: PlacementProps;
  state: EnvironmentState;
  /** Why the environment is `failed`, phrased so that a user knows what to do next. */
  failureReason: string | null;
  /** Provisioning round: 1 for the request, +1 for every retry. */
  round: number;
  /** Attempts made in the current provisioning or decommissioning round. */
  attempts: number;
  /** The provisioner operation in flight, if any; its outcome is accepted only under this id. */
  operation: OperationInFlight | null;
  /** Why the last attempt failed, while another attempt is pending. */
  lastError: string | null;
  /** When the current provisioning round started; also the token of its timeout. */
  provisioningStartedAt: Date | null;
  /** Why it is (or will be) decommissioned. */
  decommissionReason: string | null;
  /** A decommission was asked for while provisioning ran; it starts once provisioning settles. */
  decommissionPending: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  readyAt: Date | null;
  decommissionedAt: Date | null;
}

/** What a request for an environment names (the rest of its snapshot is decided by the request). */
export type RequestEnvironmentInput = Pick<EnvironmentSnapshot, 'id' | 'tenantId' | 'projectId' | 'name' | 'type' | 'region'> & { labels?: Record<string, string> };

/** What the application does after an operation outcome was applied. */
export type NextStep = 'none' | 'retry-provisioning' | 'retry-decommissioning' | 'start-decommissioning';

export type CompletionResult = { applied: false; reason: string } | { applied: true; next: NextStep; attempt: number };

export type DecommissionResult = 'started' | 'deferred' | 'decommissioned' | 'unchanged';

/**
 * A tenant's runtime environment and its lifecycle:
 *
 * ```
 * requested ──▶ provisioning ──▶ ready ──▶ decommissioning ──▶ decommissioned
 *                  │    ▲                       │    ▲
 *                  ▼    │ retry                 ▼    │ DELETE again
 *                 failed ┘──────────────────▶ (failed)
 * ```
 *
 * Every infrastructure step is a provisioner *operation* with its own id; an outcome is accepted only
 * for the operation in flight, so late, duplicated or replayed outcomes change nothing. A failed attempt
 * is retried (a new operation) up to {@link MAX_OPERATION_ATTEMPTS} times, then the environment is
 * `failed` with a reason a user can act on. A decommission asked for by the system (tenant offboarded)
 * while provisioning runs is remembered and starts as soon as provisioning settles; asked for by a
 * user, it is refused (`invalid_state_transition`), because half-built infrastructure cannot be torn
 * down reliably.
 */
export class RuntimeEnvironment extends AggregateRoot<string, EnvironmentEvent> {
  private constructor(
    id: string,
    version: number,
    private s: Omit<EnvironmentSnapshot, 'id' | 'version'>,
  ) {
    super(id, version);
  }

  /**
   * Requests a new environment under the tenant's current terms: the tenant must be known (onboarded),
   * active, and below `maxEnvironments` live (not decommissioned) environments.
   */
  static request(input: RequestEnvironmentInput, tenant: TenantTerms | null, liveEnvironments: number, now: Date): RuntimeEnvironment {
    const projectId = ProjectId.of(input.projectId).value;
    const name = EnvironmentName.of(input.name).value;
    if (!ENVIRONMENT_TYPES.includes(input.type)) {
      throw new DomainError('validation_failed', `type must be one of ${ENVIRONMENT_TYPES.join(', ')}`, { field: 'type' });
    }
    if (typeof input.region !== 'string' || !REGION_PATTERN.test(input.region)) {
      throw new DomainError('validation_failed', 'region must match ^[a-z][a-z0-9-]{1,62}$', { field: 'region' });
    }
    const labels = Labels.of(input.labels).value;
    if (!tenant) {
      throw new PreconditionFailedError(`Tenant ${input.tenantId} cannot have environments yet`, [
        `tenant ${input.tenantId} is not onboarded (or its onboarding has not reached inventory yet)`,
      ]);
    }
    if (tenant.state === 'offboarded') throw new DomainError('tenant_offboarded', `Tenant ${tenant.tenantId} is offboarded`);
    if (tenant.state === 'suspended') throw new DomainError('tenant_suspended', `Tenant ${tenant.tenantId} is suspended: it cannot request environments`);
    if (liveEnvironments >= tenant.quotas.maxEnvironments) {
      throw new QuotaExceededError('maxEnvironments', tenant.quotas.maxEnvironments, liveEnvironments + 1);
    }
    const placement = EnvironmentPlacement.derive(input.tenantId, tenant.placement, projectId, name).value;
    const env = new RuntimeEnvironment(input.id, 0, {
      tenantId: input.tenantId,
      projectId,
      name,
      type: input.type,
      region: input.region,
      labels,
      placement,
      state: 'requested',
      failureReason: null,
      round: 1,
      attempts: 0,
      operation: null,
      lastError: null,
      provisioningStartedAt: null,
      decommissionReason: null,
      decommissionPending: false,
      createdAt: now,
      updatedAt: now,
      readyAt: null,
      decommissionedAt: null,
    });
    env.record(new EnvironmentRequested(env.id, { ...env.ref(), name, type: input.type, region: input.region, labels, placement }, now));
    return env;
  }

  static rehydrate(snapshot: EnvironmentSnapshot): RuntimeEnvironment {
    const { id, version, ...rest } = snapshot;
    return new RuntimeEnvironment(id, version, { ...rest, labels: { ...rest.labels }, placement: { ...rest.placement }, operation: rest.operation ? { ...rest.operation } : null });
  }

  get state(): EnvironmentState {
    return this.s.state;
  }

  get tenantId(): string {
    return this.s.tenantId;
  }

  get projectId(): string {
    return this.s.projectId;
  }

  get operation(): OperationInFlight | null {
    return this.s.operation ? { ...this.s.operation } : null;
  }

  /** True while the environment waits for its next provisioning attempt to start. */
  get awaitsProvisioningAttempt(): boolean {
    return ENVIRONMENT_LIFECYCLE.allows(this.s.state, 'startProvisioningAttempt', this.s);
  }

  /** True while the environment waits for its next decommissioning attempt to start. */
  get awaitsDecommissioningAttempt(): boolean {
    return ENVIRONMENT_LIFECYCLE.allows(this.s.state, 'startDecommissioningAttempt', this.s);
  }

  /** Agents report actual state only for environments that exist on real infrastructure. */
  get acceptsActualState(): boolean {
    return ENVIRONMENT_LIFECYCLE.allows(this.s.state, 'reportActualState');
  }

  /** Refuses an actual-state report unless {@link acceptsActualState}. */
  assertAcceptsActualState(): void {
    ENVIRONMENT_LIFECYCLE.next(this.s.state, 'reportActualState');
  }

  /**
   * Starts the next provisioning attempt under a new operation id. The first attempt of a round moves
   * `requested → provisioning` and starts the round's timeout clock.
   */
  startProvisioningAttempt(operationId: string, now: Date): { firstOfRound: boolean; attempt: number } {
    const firstOfRound = this.s.state === 'requested';
    this.s.state = ENVIRONMENT_LIFECYCLE.next(this.s.state, 'startProvisioningAttempt', this.describeState(), this.s);
    if (firstOfRound) {
      this.s.attempts = 0;
      this.s.provisioningStartedAt = now;
    }
    this.s.attempts += 1;
    this.s.operation = { id: operationId, kind: 'provision', attempt: this.s.attempts, startedAt: now };
    this.touch(now);
    this.record(new EnvironmentProvisioningStarted(this.id, { ...this.ref(), attempt: this.s.attempts, operationId }, now));
    return { firstOfRound, attempt: this.s.attempts };
  }

  /** Starts the next decommissioning attempt under a new operation id. */
  startDecommissioningAttempt(operationId: string, now: Date): { attempt: number } {
    ENVIRONMENT_LIFECYCLE.next(this.s.state, 'startDecommissioningAttempt', this.describeState(), this.s);
    this.s.attempts += 1;
    this.s.operation = { id: operationId, kind: 'decommission', attempt: this.s.attempts, startedAt: now };
    this.touch(now);
    this.record(new EnvironmentDecommissioningAttemptStarted(this.id, { ...this.ref(), attempt: this.s.attempts, operationId }, now));
    return { attempt: this.s.attempts };
  }

  /**
   * Applies a provisioner outcome. Only the operation in flight is accepted; anything else (a replay,
   * an operation superseded by a retry or a timeout) is reported as not applied and changes nothing.
   */
  completeOperation(operationId: string, outcome: OperationOutcome, now: Date, maxAttempts = MAX_OPERATION_ATTEMPTS): CompletionResult {
    const op = this.s.operation;
    if (!op || op.id !== operationId) {
      return { applied: false, reason: `operation ${operationId} is not in progress for environment ${this.id} (unknown, superseded or already completed)` };
    }
    this.s.operation = null;
    this.touch(now);
    if (op.kind === 'provision') {
      if (outcome.succeeded) {
        this.s.state = 'ready';
        this.s.readyAt = now;
        this.s.failureReason = null;
        this.s.lastError = null;
        this.record(new EnvironmentReady(this.id, { ...this.ref(), name: this.s.name, type: this.s.type, region: this.s.region, placement: this.s.placement }, now));
      } else {
        const willRetry = op.attempt < maxAttempts && !this.s.decommissionPending;
        this.s.lastError = outcome.reason;
        this.record(new EnvironmentProvisioningAttemptFailed(this.id, { ...this.ref(), attempt: op.attempt, operationId, reason: outcome.reason, willRetry }, now));
        if (willRetry) return { applied: true, next: 'retry-provisioning', attempt: op.attempt };
        this.failProvisioning(`Provisioning failed after ${op.attempt} attempt(s): ${outcome.reason}. Fix the cause, then retry the environment or decommission it`, now);
      }
      return { applied: true, next: this.startPendingDecommission(now), attempt: op.attempt };
    }
    if (outcome.succeeded) {
      this.s.state = 'decommissioned';
      this.s.decommissionedAt = now;
      this.s.lastError = null;
      this.record(new EnvironmentDecommissioned(this.id, this.ref(), now));
      return { applied: true, next: 'none', attempt: op.attempt };
    }
    this.s.lastError = outcome.reason;
    if (op.attempt < maxAttempts) return { applied: true, next: 'retry-decommissioning', attempt: op.attempt };
    this.s.state = 'failed';
    this.s.failureReason = `Decommissioning failed after ${op.attempt} attempt(s): ${outcome.reason}. Fix the cause, then decommission the environment again`;
    this.record(new EnvironmentDecommissioningFailed(this.id, { ...this.ref(), reason: this.s.failureReason, attempts: op.attempt }, now));
    return { applied: true, next: 'none', attempt: op.attempt };
  }

  /**
   * Fails a provisioning round that is still running `timeoutSeconds` after it started. The timeout is
   * tied to its round (`roundStartedAt`), so the timer of an earlier round never fails a retry.
   */
  timeOutProvisioning(roundStartedAt: string, timeoutSeconds: number, now: Date, maxAttempts = MAX_OPERATION_ATTEMPTS): { timedOut: boolean; next: NextStep } {
    if (this.s.state !== 'provisioning' || this.s.provisioningStartedAt?.toISOString() !== roundStartedAt) return { timedOut: false, next: 'none' };
    const attempt = this.s.operation?.attempt ?? this.s.attempts;
    this.s.operation = null;
    this.touch(now);
    this.failProvisioning(
      `Provisioning did not finish within ${timeoutSeconds} s (attempt ${attempt} of ${maxAttempts}). Check the provisioner, then retry the environment or decommission it`,
      now,
    );
    return { timedOut: true, next: this.startPendingDecommission(now) };
  }

  /** Sends a failed environment back to provisioning, as a new round. */
  retry(now: Date): void {
    const previousFailureReason = this.s.failureReason;
    this.s.state = ENVIRONMENT_LIFECYCLE.next(this.s.state, 'retry', this.describeState());
    this.s.round += 1;
    this.s.attempts = 0;
    this.s.failureReason = null;
    this.s.lastError = null;
    this.s.provisioningStartedAt = null;
    this.touch(now);
    this.record(new EnvironmentRetryRequested(this.id, { ...this.ref(), round: this.s.round, previousFailureReason }, now));
  }

  /**
   * Tears the environment down: `ready | failed → decommissioning`. With `whenSettled` (the system,
   * e.g. for an offboarded tenant) a `requested` environment that never reached infrastructure is
   * decommissioned at once, a `provisioning` one is decommissioned as soon as provisioning settles, and
   * one already going away is left as it is. Without it (a user), those states are refused.
   */
  decommission(reason: string, now: Date, opts: { whenSettled?: boolean } = {}): DecommissionResult {
    const state = this.s.state;
    if (ENVIRONMENT_LIFECYCLE.allows(state, 'decommission')) {
      this.beginDecommission(reason, now);
      return 'started';
    }
    if (!opts.whenSettled) ENVIRONMENT_LIFECYCLE.next(state, 'decommission');
    if (state === 'requested') {
      this.s.state = 'decommissioned';
      this.s.decommissionReason = reason;
      this.s.decommissionedAt = now;
      this.touch(now);
      this.record(new EnvironmentDecommissioning(this.id, { ...this.ref(), reason }, now));
      this.record(new EnvironmentDecommissioned(this.id, this.ref(), now));
      return 'decommissioned';
    }
    if (state === 'provisioning' && !this.s.decommissionPending) {
      this.s.decommissionPending = true;
      this.s.decommissionReason = reason;
      this.touch(now);
      this.record(new EnvironmentDecommissionDeferred(this.id, { ...this.ref(), reason }, now));
      return 'deferred';
    }
    return 'unchanged';
  }

  snapshot(): EnvironmentSnapshot {
    return {
      id: this.id,
      version: this.version,
      ...this.s,
      labels: { ...this.s.labels },
      placement: { ...this.s.placement },
      operation: this.s.operation ? { ...this.s.operation } : null,
    };
  }

  private beginDecommission(reason: string, now: Date): void {
    this.s.state = ENVIRONMENT_LIFECYCLE.next(this.s.state, 'decommission');
    this.s.attempts = 0;
    this.s.lastError = null;
    this.s.failureReason = null;
    this.s.decommissionReason = reason;
    this.s.decommissionPending = false;
    this.touch(now);
    this.record(new EnvironmentDecommissioning(this.id, { ...this.ref(), reason }, now));
  }

  private startPendingDecommission(now: Date): NextStep {
    if (!this.s.decommissionPending) return 'none';
    this.beginDecommission(this.s.decommissionReason ?? 'decommission requested while provisioning', now);
    return 'start-decommissioning';
  }

  private failProvisioning(reason: string, now: Date): void {
    this.s.state = 'failed';
    this.s.failureReason = reason;
    this.record(new EnvironmentProvisioningFailed(this.id, { ...this.ref(), reason, attempts: this.s.attempts }, now));
  }

  private describeState(): string {
    return this.s.state === 'provisioning' && this.s.operation ? 'provisioning (an attempt is in flight)' : this.s.state;
  }

  private ref() {
    return { tenantId: this.s.tenantId, projectId: this.s.projectId };
  }

  private touch(now: Date): void {
    this.s.updatedAt = now;
  }
}
