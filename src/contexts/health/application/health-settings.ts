import { Settings } from '@rcp/config';
import { Thresholds } from '../domain/health-check-result.aggregate';

/** The hysteresis of every check result, from the settings. */
export function thresholdsOf(s: Settings): Thresholds {
  return { failureThreshold: s.HEALTH_FAILURE_THRESHOLD, successThreshold: s.HEALTH_SUCCESS_THRESHOLD, staleSeconds: s.HEALTH_STALE_SECONDS };
}
