import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { sanitizeOutsideText } from '@rcp/ddd';
import { RequestContexts, systemContext } from '@rcp/observability';
import { Outcome, SimulatedDataPlane } from '@rcp/simulator';
import { CompleteDeploymentOperationCommand } from '../../application/commands/complete-deployment-operation/complete-deployment-operation.command';
import { RevisionReading, WorkloadExecutor, WorkloadOperation } from '../../application/ports/workload-executor.port';

/**
 * The default workload executor: `apply-revision` and `remove` operations of the executor protocol handed
 * to the simulated data plane, which brings replicas up over time, splits traffic by weight, makes
 * images tagged `-unhealthy`, `-slow` or `-crashloop` misbehave, and reports each outcome, which comes
 * back as `CompleteDeploymentOperationCommand`. Metrics are the data plane's per-revision metrics.
 */
@Injectable()
export class SimulatedWorkloadExecutor extends WorkloadExecutor {
  constructor(
    private readonly dataPlane: SimulatedDataPlane,
    private readonly commands: CommandBus,
    @Inject(SETTINGS_TOKEN) settings: Settings,
  ) {
    super();
    if (settings.PROVISIONER === 'simulated') dataPlane.onOutcome(['apply-revision', 'remove'], (o) => this.complete(o));
  }

  async submit(op: WorkloadOperation): Promise<void> {
    const base = { operationId: op.operationId, attempt: 1, callbackUrl: '', environmentId: op.environmentId, service: op.service };
    await this.dataPlane.world.submit(op.kind === 'apply' ? { ...base, kind: 'apply-revision', spec: op.spec } : { ...base, kind: 'remove', revision: op.revision }, null);
  }

  async readMetrics(environmentId: string, service: string, revision: string): Promise<RevisionReading | null> {
    const metrics = await this.dataPlane.world.metrics(environmentId);
    const m = metrics?.revisions.find((r) => r.service === service && r.revision === revision);
    return m ? { errorRate: m.errorRate, p95LatencyMs: m.p95LatencyMs, requestsPerSecond: m.requestsPerSecond } : null;
  }

  private async complete(o: Outcome): Promise<void> {
    const outcome = o.succeeded ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the data plane reported: ${sanitizeOutsideText(o.reason ?? 'no reason given', 200)}` } as const);
    await RequestContexts.run(systemContext('simulated-data-plane'), () => this.commands.execute(new CompleteDeploymentOperationCommand(o.operationId, outcome)));
  }
}
