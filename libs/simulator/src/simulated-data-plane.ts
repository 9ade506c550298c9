import { BeforeApplicationShutdown, Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { ExecutorOperationKind } from '@rcp/executor';
import { SpanKind, withSpan } from '@rcp/observability';
import { SimulatorEngine } from './engine';
import { simulatorPoolOptions, worldSettingsOf } from './settings';
import { Outcome, SimulatedWorld } from './world';

/** How often the in-process world is moved along. */
const TICK_MS = 100;

/**
 * The simulated data plane inside the control plane (the default adapters' infrastructure): one world
 * (libs/simulator/src/world.ts) on its own connection pool, as an outside system would be, never in the
 * control plane's transactions. Contexts' simulated adapters submit operations to it and register what
 * to do with outcomes of their kinds (`onOutcome`); the worker role runs the engine that completes
 * operations and reports outcomes (until a handler accepts each, so none is lost to a crash).
 */
@Injectable()
export class SimulatedDataPlane implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger('SimulatedDataPlane');
  private readonly pool: Pool;
  readonly world: SimulatedWorld;
  private readonly handlers = new Map<ExecutorOperationKind, (o: Outcome) => Promise<void>>();
  private engine: SimulatorEngine | null = null;

  constructor(@Inject(SETTINGS_TOKEN) private readonly settings: Settings) {
    this.pool = new Pool(simulatorPoolOptions(settings.SIMULATOR_DATABASE_URL || settings.DATABASE_URL));
    this.pool.on('error', (err) => this.log.warn(`simulator connection failed: ${err.message}`));
    this.world = new SimulatedWorld(this.pool, worldSettingsOf(settings));
  }

  /** Handles the outcomes of operations of these kinds (a context's simulated adapter registers its own). */
  onOutcome(kinds: ExecutorOperationKind[], handler: (o: Outcome) => Promise<void>): void {
    for (const kind of kinds) {
      if (this.handlers.has(kind)) throw new Error(`outcomes of ${kind} operations already have a handler`);
      this.handlers.set(kind, handler);
    }
  }

  /** Installs the world's schema and, in a worker, starts the engine: only when some adapter uses the simulator. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.handlers.size === 0) return;
    await this.world.install();
    if (this.settings.RCP_ROLE === 'api') return;
    this.engine = new SimulatorEngine(this.world, (o) => this.report(o), TICK_MS, (err) => this.log.warn(`simulator tick failed: ${String(err)}`));
    this.world.onSubmitted = () => this.engine?.nudge();
    this.engine.start();
  }

  private async report(o: Outcome): Promise<void> {
    const handler = this.handlers.get(o.kind);
    // Operations no context of this build asked for (a test or a demo applying a revision directly):
    // their effect is in the world, and nobody waits for their outcome.
    if (!handler) return;
    // With tracing on, the outcome continues the trace of the call that submitted the operation: the
    // adapter's command (in a `systemContext`, which joins the current span) becomes its child.
    await withSpan(
      `executor outcome ${o.kind}`,
      { 'rcp.executor': 'simulated', 'rcp.executor.operation.kind': o.kind, 'rcp.executor.operation.id': o.operationId, 'rcp.executor.operation.succeeded': o.succeeded },
      () => handler(o),
      { parent: o.traceparent, kind: SpanKind.CONSUMER },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.engine?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Provides the simulated data plane to every context (their simulated adapters inject it). */
@Global()
@Module({ providers: [SimulatedDataPlane], exports: [SimulatedDataPlane] })
export class SimulatorModule {}
