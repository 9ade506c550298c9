import { Injectable } from '@nestjs/common';
import { SimulatedDataPlane } from '@rcp/simulator';
import { ActualStateSource, ObservedState } from '../../application/ports/actual-state-source.port';
import { observedStateOf } from './actual-state.mapping';

/** Reads what runs from the simulated data plane (the default). */
@Injectable()
export class SimulatedActualStateSource extends ActualStateSource {
  constructor(private readonly dataPlane: SimulatedDataPlane) {
    super();
  }

  async read(environmentId: string): Promise<ObservedState> {
    return observedStateOf(await this.dataPlane.world.actualState(environmentId), environmentId);
  }
}
