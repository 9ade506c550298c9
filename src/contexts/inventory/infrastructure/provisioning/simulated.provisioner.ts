import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { RequestContexts, systemContext } from '@rcp/observability';
import { Outcome, SimulatedDataPlane } from '@rcp/simulator';
import { CompleteOperationCommand } from '../../application/commands/complete-operation/complete-operation.command';
import { Provisioner, ProvisionerOperation } from '../../application/ports/provisioner.port';
import { toEnvironmentOperation } from './environment-operation';

/**
 * The default provisioner: hands each operation to the simulated data plane (libs/simulator), which
 * behaves like infrastructure and keeps its world in the database, so an operation in flight survives a
 * restart. Its latency, its failures on request (labels `rcp.dev/simulate-failure`,
 * `rcp.dev/simulate-latency-ms`, `SIMULATED_FAILURE_RATE`) and its outcomes are the data plane's; an
 * outcome comes back through the same `CompleteOperationCommand` an executor callback uses.
 */
@Injectable()
export class SimulatedProvisioner extends Provisioner {
  readonly kind = 'simulated' as const;

  constructor(
    private readonly dataPlane: SimulatedDataPlane,
    private readonly commands: CommandBus,
    @Inject(SETTINGS_TOKEN) settings: Settings,
  ) {
    super();
    if (settings.PROVISIONER === 'simulated') dataPlane.onOutcome(['provision', 'decommission'], (o) => this.complete(o));
  }

  async start(op: ProvisionerOperation): Promise<void> {
    // A second start of the same operation (a retried dispatch) is taken once.
    await this.dataPlane.world.submit(toEnvironmentOperation(op, ''), null);
  }

  private async complete(o: Outcome): Promise<void> {
    const outcome = o.succeeded ? ({ succeeded: true } as const) : ({ succeeded: false, reason: o.reason ?? 'the simulated data plane gave no reason' } as const);
    await RequestContexts.run(systemContext('simulated-data-plane'), () => this.commands.execute(new CompleteOperationCommand(o.operationId, outcome, { via: 'simulated' })));
  }
}
