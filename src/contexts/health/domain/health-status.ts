/** A service's health, as judged with hysteresis. */
export type HealthStatus = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['unknown', 'healthy', 'degraded', 'unhealthy'];
/** One check's outcome, as reported. */
export type CheckStatus = 'pass' | 'warn' | 'fail';
export const CHECK_STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail'];
