import { Outcome, SimulatedWorld } from './world';

/**
 * Moves the simulated world along: every tick it completes the operations whose time has come and
 * reports their outcomes through `report` (an in-process adapter's command, or the standalone
 * executor's signed callback). Several engines on one world are safe (rows are locked while taken).
 */
export class SimulatorEngine {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly world: SimulatedWorld,
    private readonly report: (o: Outcome) => Promise<void>,
    private readonly tickMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.running = this.tick()
        .catch(this.onError)
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(loop, this.tickMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** One round: complete what is due, report what completed. */
  async tick(): Promise<void> {
    while ((await this.world.completeDue()) > 0);
    await this.world.reportOutcomes(this.report);
  }

  /** Stops ticking and waits for the round in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
