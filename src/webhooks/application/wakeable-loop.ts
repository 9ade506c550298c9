/**
 * A background loop of rounds: after a round it waits for a poke or its poll interval, whichever comes
 * first, and starts again at once when the round asks to (more work is waiting) or a poke came while the
 * round ran (so no poke is lost between a round's end and its wait). A round that throws is reported and
 * the loop goes on.
 */
export class WakeableLoop {
  private stopped = true;
  private poked = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    /** One round; true: run the next at once. */
    private readonly round: () => Promise<boolean>,
    private readonly pollMs: () => number,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  /** Ends the loop after its current round. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.loop;
  }

  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.poked = false;
      let again = false;
      try {
        again = await this.round();
      } catch (err) {
        this.onError(err as Error);
      }
      if (again || this.poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs());
        this.wake = done;
        function done() {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }
}
