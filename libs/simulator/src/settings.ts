import { PoolConfig } from 'pg';
import { WorldSettings } from './world';

/** The world's behaviour from the control plane's settings (`SIMULATED_*`). */
export const worldSettingsOf = (s: {
  SIMULATED_LATENCY_MS: number;
  SIMULATED_FAILURE_RATE: number;
  SIMULATED_READY_STEP_MS: number;
  SIMULATED_PROGRESS_DEADLINE_MS: number;
  SIMULATED_LOAD_RPS: number;
}): WorldSettings => ({
  latencyMs: s.SIMULATED_LATENCY_MS,
  failureRate: s.SIMULATED_FAILURE_RATE,
  readyStepMs: s.SIMULATED_READY_STEP_MS,
  progressDeadlineMs: s.SIMULATED_PROGRESS_DEADLINE_MS,
  defaultLoadRps: s.SIMULATED_LOAD_RPS,
});

/**
 * The simulator's own small pool: bounded waits everywhere, so a database that stops answering (a
 * partition, a failover) stalls the simulated data plane for seconds, never a shutdown forever.
 */
export const simulatorPoolOptions = (connectionString: string): PoolConfig => ({
  connectionString,
  max: 3,
  application_name: 'rcp-simulator',
  connectionTimeoutMillis: 5000,
  statement_timeout: 10_000,
  query_timeout: 15_000,
  idle_in_transaction_session_timeout: 15_000,
});
