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
