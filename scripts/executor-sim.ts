/**
 * `npm run executor:sim`: the simulated data plane served over the executor protocol on its own port
 * (EXECUTOR_SIM_PORT), so the control plane can run with PROVISIONER=http against a separate process:
 *
 *   EXECUTOR_SECRET=s3cret npm run executor:sim
 *   PROVISIONER=http EXECUTOR_URL=http://127.0.0.1:4010 EXECUTOR_SECRET=s3cret npm start
 *
 * Its world lives in the schema `simulator` of SIMULATOR_DATABASE_URL (default DATABASE_URL), so a
 * restart keeps it; SIMULATED_* settings tune its behaviour.
 */
import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { Pool } from 'pg';
import { loadSettings } from '../libs/config/src/settings';
import { shutdownTracing, startTracing } from '../libs/observability/src/tracing';
import { ensureDatabase } from '../libs/persistence/src/database';
import { SimulatedWorld, simulatorPoolOptions, startExecutorServer, worldSettingsOf } from '../libs/simulator/src';

async function main(): Promise<void> {
  loadDotenv({ quiet: true } as never);
  const settings = loadSettings();
  // Spans of the operations it takes, continuing the control plane's traceparent (when OTEL_* ask for it).
  startTracing({ serviceName: 'rcp-executor-sim' });
  if (!settings.EXECUTOR_SECRET) throw new Error('EXECUTOR_SECRET is required: the executor signs and checks every message with it');
  const url = settings.SIMULATOR_DATABASE_URL || settings.DATABASE_URL;
  await ensureDatabase(url);
  const pool = new Pool(simulatorPoolOptions(url));
  const world = new SimulatedWorld(pool, worldSettingsOf(settings));
  await world.install();
  const log = (line: string) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), context: 'executor:sim', msg: line })}\n`);
  const executor = await startExecutorServer({
    world,
    secret: settings.EXECUTOR_SECRET,
    port: settings.EXECUTOR_SIM_PORT,
    host: settings.HOST,
    tickMs: 100,
    // Below the simulator pool's idle-in-transaction limit (15 s): a callback is sent while its row is locked.
    callbackTimeoutMs: Math.min(settings.EXECUTOR_TIMEOUT_MS, 10_000),
    log,
  });
  log(`simulated executor listening on ${executor.url}`);
  const stop = async () => {
    await executor.close();
    await pool.end();
    await shutdownTracing();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: Error) => {
  console.error(`executor:sim: ${err.message}`);
  process.exit(1);
});
