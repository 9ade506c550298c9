import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { JobsService, commandJob } from '@rcp/jobs';
import { CompleteOperationCommand } from '../../application/commands/complete-operation/complete-operation.command';
import { INVENTORY_JOBS } from '../../application/inventory-jobs';
import { Provisioner, ProvisionerOperation } from '../../application/ports/provisioner.port';
import { LABEL_SIMULATE_FAILURE, LABEL_SIMULATE_LATENCY_MS } from '../../domain/labels.value-object';
import { OperationOutcome } from '../../domain/provisioning-policy';

export const SIMULATED_COMPLETE_JOB = 'inventory.simulated-operation-complete';
const MAX_SIMULATED_LATENCY_MS = 600_000;

interface SimulatedCompletion {
  operationId: string;
  outcome: OperationOutcome;
}

/**
 * The default provisioner: builds nothing, but behaves like infrastructure would. Each operation
 * completes asynchronously after `SIMULATED_LATENCY_MS` through a delayed ledger job, so it survives a
 * worker restart, and reports through the same `CompleteOperationCommand` an executor callback uses.
 *
 * Deterministic failure injection, for demos and tests:
 * - label `rcp.dev/simulate-failure`: `provision` fails every provisioning attempt, `decommission` every
 *   decommissioning attempt, `all` both; `provision-once` fails only the first attempt (the automatic
 *   retry then succeeds); `provision-until-retry` fails the first round (POST …/retry then succeeds);
 * - label `rcp.dev/simulate-latency-ms`: this environment's latency (0–600000), e.g. to exceed the timeout;
 * - `SIMULATED_FAILURE_RATE`: the share of attempts that fail, chosen by a hash of environment, kind,
 *   round and attempt, so the same attempt always has the same fate.
 */
@Injectable()
export class SimulatedProvisioner extends Provisioner {
  readonly kind = 'simulated' as const;

  constructor(
    private readonly jobs: JobsService,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {
    super();
  }

  async start(op: ProvisionerOperation): Promise<void> {
    const payload: SimulatedCompletion = { operationId: op.operationId, outcome: this.outcomeOf(op) };
    // A step of the round's job, like every other step of the operation.
    const round = { name: op.kind === 'provision' ? INVENTORY_JOBS.provision : INVENTORY_JOBS.decommission, targetType: 'environment', targetId: op.environment.id };
    await this.jobs.enqueue(SIMULATED_COMPLETE_JOB, payload, {
      tenantId: op.environment.tenantId,
      projectId: op.environment.projectId,
      targetType: 'environment',
      targetId: op.environment.id,
      delayMs: this.latencyOf(op),
      parentId: await this.jobs.openJobId(round),
    });
  }

  /** The fate of one attempt; pure, so it can be unit tested and explained. */
  outcomeOf(op: ProvisionerOperation): OperationOutcome {
    const flag = op.environment.labels[LABEL_SIMULATE_FAILURE];
    const onRequest =
      flag === 'all' ||
      flag === op.kind ||
      (op.kind === 'provision' && flag === 'provision-once' && op.round === 1 && op.attempt === 1) ||
      (op.kind === 'provision' && flag === 'provision-until-retry' && op.round === 1);
    if (onRequest) {
      const verb = op.kind === 'provision' ? 'provisioning' : 'decommissioning';
      return { succeeded: false, reason: `the simulated provisioner failed ${verb} on request (label ${LABEL_SIMULATE_FAILURE}=${flag})` };
    }
    const rate = this.settings.SIMULATED_FAILURE_RATE;
    if (rate > 0) {
      const draw = createHash('sha256').update(`${op.environment.id}:${op.kind}:${op.round}:${op.attempt}`).digest().readUInt32BE(0) / 0x1_0000_0000;
      if (draw < rate) return { succeeded: false, reason: `simulated infrastructure failure (SIMULATED_FAILURE_RATE=${rate})` };
    }
    return { succeeded: true };
  }

  private latencyOf(op: ProvisionerOperation): number {
    const raw = op.environment.labels[LABEL_SIMULATE_LATENCY_MS];
    const n = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    return Number.isFinite(n) ? Math.min(n, MAX_SIMULATED_LATENCY_MS) : this.settings.SIMULATED_LATENCY_MS;
  }
}

/** `inventory.simulated-operation-complete`: the simulated infrastructure reports back. */
export const SimulatedOperationCompleteJob = commandJob(
  SIMULATED_COMPLETE_JOB,
  'SimulatedOperationCompleteJob',
  (p: SimulatedCompletion) => new CompleteOperationCommand(p.operationId, p.outcome, { via: 'simulated' }),
);
