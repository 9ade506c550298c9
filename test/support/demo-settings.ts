import { randomBytes } from 'node:crypto';

/**
 * The settings the demo scenario (scripts/demo/scenario.ts) needs, with the data plane, pulls, gates
 * and loops sped up so a test runs the whole scenario in seconds: inline secrets under a fresh master
 * key (one key for every process given these settings), webhooks to the loopback receiver.
 */
export function demoTestSettings(): Record<string, string> {
  return {
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    SECRETS_INLINE_ALLOWED: 'true',
    SECRETS_MASTER_KEY: `demo:${randomBytes(32).toString('base64')}`,
    SIMULATED_READY_STEP_MS: '30',
    SIMULATED_LATENCY_MS: '20',
    HEALTH_PULL_INTERVAL_SECONDS: '1',
    ACTUAL_STATE_PULL_INTERVAL_SECONDS: '1',
    DEPLOYMENT_GATE_INTERVAL_SECONDS: '1',
    DRIFT_DEBOUNCE_SECONDS: '1',
    WEBHOOK_POLL_MS: '50',
    JOB_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_BASE_MS: '10',
    RELAY_IDLE_MAX_MS: '50',
  };
}
