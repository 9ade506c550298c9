import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts, systemContext } from '@rcp/observability';
import { Outcome, SimulatedDataPlane } from '@rcp/simulator';
import { CompleteScalingCommand } from '../../application/commands/complete-scaling/complete-scaling.command';
import { ScaleRequest, Scaler } from '../../application/ports/scaler.port';

/**
 * The default scaler: a `scale` operation of the executor protocol handed to the simulated data plane
 * (libs/simulator), which scales the service's revision, brings the replicas up over time and reports
 * the outcome (failed past its progress deadline); the outcome comes back as `CompleteScalingCommand`.
 */
@Injectable()
export class SimulatedScaler extends Scaler {
  constructor(
    private readonly dataPlane: SimulatedDataPlane,
    private readonly commands: CommandBus,
    @Inject(SETTINGS_TOKEN) settings: Settings,
  ) {
    super();
    if (settings.PROVISIONER === 'simulated') dataPlane.onOutcome(['scale'], (o) => this.complete(o));
  }

  async scale(r: ScaleRequest): Promise<void> {
    const taken = await this.dataPlane.world.submit({ operationId: r.operationId, kind: 'scale', attempt: 1, callbackUrl: '', environmentId: r.environmentId, service: r.service, replicas: r.replicas }, null);
    if (!taken) return; // the same operation again (a retried job): already in hand
  }

  private async complete(o: Outcome): Promise<void> {
    const outcome = o.succeeded ? ({ succeeded: true } as const) : ({ succeeded: false, reason: `the data plane reported: ${(o.reason ?? 'no reason given').slice(0, 200)}` } as const);
    await RequestContexts.run(systemContext('simulated-data-plane'), () => this.commands.execute(new CompleteScalingCommand(o.operationId, outcome)));
  }
}
