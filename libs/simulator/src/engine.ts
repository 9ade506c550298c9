import { AsyncResource } from 'node:async_hooks';
import { Outcome, SimulatedWorld } from './world';

/** Longest wait between two rounds when nothing is due (an operation submitted elsewhere is found by then). */
const MAX_IDLE_MS = 1000;
/** Reported operations are kept this long (their history), then forgotten; checked at most this often. */
const KEEP_REPORTED_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** How long `stop` waits for the round in progress (a round stuck on a dead connection is not waited for). */
const STOP_WAIT_MS = 5000;

/**
 * Moves the simulated world along: each round completes the operations whose time has come and reports
 * their outcomes through `report` (an in-process adapter's command, or the standalone executor's signed
 * callback). Between rounds it sleeps until the next operation is due (at least `tickMs`, at most a
 * second), and `nudge` wakes it at once (an operation was just submitted). Several engines on one
 * world are safe (rows are locked while taken).
 */
export class SimulatorEngine {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastPrune = 0;
  /**
   * Rounds run in the async context the engine was made in, never in that of whoever nudged it (a
   * nudge comes from inside a caller's transaction, whose context must not leak into the rounds).
   */
  private readonly context = new AsyncResource('SimulatorEngine');

  constructor(
    private readonly world: SimulatedWorld,
    private readonly report: (o: Outcome) => Promise<void>,
    private readonly tickMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a round now (or right after the one in progress). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.running.then(() => this.schedule(0), () => this.schedule(0));
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.context.bind(() => this.loop()), ms);
  }

  private loop(): void {
    this.timer = null;
    if (this.running || this.stopped) return;
    this.running = this.tick()
      .then(async () => {
        const next = await this.world.nextWakeAt();
        return next === null ? MAX_IDLE_MS : Math.min(MAX_IDLE_MS, Math.max(this.tickMs, next.getTime() - Date.now()));
      })
      .catch((err: unknown) => {
        this.onError(err);
        return MAX_IDLE_MS;
      })
      .then((waitMs) => {
        this.running = null;
        this.schedule(waitMs);
      });
  }

  /** One round: complete what is due, report what completed, and now and then forget old reported operations. */
  async tick(): Promise<void> {
    while ((await this.world.completeDue()) > 0);
    await this.world.reportOutcomes(this.report);
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.world.pruneReported(KEEP_REPORTED_MS);
    }
  }

  /** Stops and waits (a few seconds at most) for the round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  }
}
