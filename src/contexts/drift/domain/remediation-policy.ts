import { DomainError } from '@rcp/ddd';
import { DriftKind } from './reconciliation';

export type RemediationAction = 'reapply' | 'redeploy' | 'rollback';
export const REMEDIATION_ACTIONS: readonly RemediationAction[] = ['reapply', 'redeploy', 'rollback'];
export type RemediationMode = 'manual' | 'auto';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof DAYS)[number];

/** A time of week (UTC) in which auto-remediation may run: `start` to `end` ("HH:MM"); an end before the start runs past midnight. */
export interface RemediationWindow {
  days: Weekday[];
  start: string;
  end: string;
}

export interface RemediationPolicyProps {
  mode: RemediationMode;
  allow: RemediationAction[];
  windows: RemediationWindow[];
  /** Scheduled reconciliation of this environment every so many seconds (null: DRIFT_RECONCILE_INTERVAL_SECONDS). */
  reconcileIntervalSeconds: number | null;
}

export const DEFAULT_POLICY: RemediationPolicyProps = { mode: 'manual', allow: ['reapply', 'redeploy', 'rollback'], windows: [], reconcileIntervalSeconds: null };

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const invalid = (field: string, message: string) => new DomainError('validation_failed', `${field} ${message}`, { errors: [{ field, message }] });

export function validatePolicy(p: RemediationPolicyProps): RemediationPolicyProps {
  if (p.mode !== 'manual' && p.mode !== 'auto') throw invalid('mode', 'must be manual or auto');
  if (!Array.isArray(p.allow) || p.allow.some((a) => !REMEDIATION_ACTIONS.includes(a))) throw invalid('allow', `must list actions of ${REMEDIATION_ACTIONS.join(', ')}`);
  if (!Array.isArray(p.windows) || p.windows.length > 28) throw invalid('windows', 'must be a list of at most 28 windows');
  p.windows.forEach((w, i) => {
    if (!Array.isArray(w?.days) || w.days.length === 0 || w.days.some((d) => !DAYS.includes(d))) throw invalid(`windows[${i}].days`, `must list days of ${DAYS.join(', ')}`);
    if (!HHMM.test(w.start)) throw invalid(`windows[${i}].start`, 'must be HH:MM (UTC)');
    if (!HHMM.test(w.end) || w.end === w.start) throw invalid(`windows[${i}].end`, 'must be HH:MM (UTC), not the start');
  });
  const interval = p.reconcileIntervalSeconds;
  if (interval !== null && (!Number.isInteger(interval) || interval < 10 || interval > 86_400)) throw invalid('reconcileIntervalSeconds', 'must be an integer from 10 to 86400, or null');
  return { mode: p.mode, allow: [...new Set(p.allow)].sort(), windows: p.windows.map((w) => ({ days: [...new Set(w.days)], start: w.start, end: w.end })), reconcileIntervalSeconds: interval };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Whether `at` falls in one of the windows (none: always). */
export function inWindow(windows: readonly RemediationWindow[], at: Date): boolean {
  if (windows.length === 0) return true;
  const day = at.getUTCDay();
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  return windows.some((w) => {
    const start = minutesOf(w.start);
    const end = minutesOf(w.end);
    const on = (d: number) => w.days.includes(DAYS[(d + 7) % 7]);
    if (start < end) return on(day) && minute >= start && minute < end;
    // Past midnight: the evening part on a listed day, the morning part on the day after one.
    return (on(day) && minute >= start) || (on(day - 1) && minute < end);
  });
}

/** The next time a window opens after `from` (searched minute by minute over a week; null without windows). */
export function nextWindowOpening(windows: readonly RemediationWindow[], from: Date): Date | null {
  if (windows.length === 0) return null;
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 7 * 24 * 60 + 1; i++, t.setTime(t.getTime() + 60_000)) if (inWindow(windows, t)) return new Date(t);
  return null;
}

/** A release that succeeded in the environment, as drift knows it from deployment's events. */
export interface KnownRelease {
  revision: number;
  image: string;
  configChecksum: string;
}

/** What a corrective deployment would do for a divergence, or why none can. */
export type RemediationPlan = { action: RemediationAction; toRevision: number | null } | { action: null; reason: string };

/**
 * Chooses the corrective deployment: `reapply` the release that last succeeded when it is what Git
 * declares (someone changed what runs by hand), `rollback` to an earlier succeeded release when Git
 * declares that one (a revert), `redeploy` the declared image otherwise (Git moved ahead). A persistently
 * unhealthy service is rolled back to the release before the current one. No deployment removes a service.
 */
export function planRemediation(kind: DriftKind, desired: { image: string; configChecksum: string | null; replicas: number } | null, succeeded: readonly KnownRelease[]): RemediationPlan {
  if (kind === 'unexpected-service') return { action: null, reason: 'no corrective deployment removes a service: remove it from the environment, or declare it in Git' };
  const releases = [...succeeded].sort((a, b) => b.revision - a.revision);
  if (kind === 'persistently-unhealthy') {
    const earlier = releases[1];
    return earlier ? { action: 'rollback', toRevision: earlier.revision } : { action: null, reason: 'no earlier succeeded release to roll back to' };
  }
  if (!desired) return { action: null, reason: 'the desired state no longer declares the service' };
  if (desired.replicas < 1) return { action: null, reason: 'the desired state scales the service to zero, which a deployment does not do' };
  const matches = (r: KnownRelease) => r.image === desired.image && (desired.configChecksum === null || desired.configChecksum === r.configChecksum);
  if (releases[0] && matches(releases[0])) return { action: 'reapply', toRevision: releases[0].revision };
  const earlier = releases.slice(1).find(matches);
  if (earlier) return { action: 'rollback', toRevision: earlier.revision };
  return { action: 'redeploy', toRevision: null };
}

/** The loop guard's terms: how many automatic remediations of one divergence within `windowSeconds`, and the backoff between them. */
export interface LoopGuard {
  maxAttempts: number;
  windowSeconds: number;
  backoffSeconds: number;
}

/**
 * Whether auto-remediation may act on a finding now, or why it waits: manual mode, an action the policy
 * does not allow, outside its windows (with the next opening), backing off after an attempt that did
 * not hold (the backoff doubles), or, after `maxAttempts` within the window, left for a person.
 */
export function autoRemediationVerdict(
  policy: RemediationPolicyProps,
  plan: RemediationPlan,
  attempts: ReadonlyArray<{ requestedAt: Date; endedAt: Date | null }>,
  guard: LoopGuard,
  now: Date,
): { act: true } | { act: false; reason: string } {
  if (policy.mode !== 'auto') return { act: false, reason: 'remediation policy is manual: remediate it or suppress it' };
  if (plan.action === null) return { act: false, reason: plan.reason };
  if (!policy.allow.includes(plan.action)) return { act: false, reason: `the remediation policy does not allow ${plan.action}` };
  const recent = attempts.filter((a) => now.getTime() - a.requestedAt.getTime() < guard.windowSeconds * 1000);
  if (recent.length >= guard.maxAttempts) {
    return { act: false, reason: `remediated ${recent.length} times within ${guard.windowSeconds} s and the divergence came back each time: left for a person` };
  }
  const last = recent[recent.length - 1];
  if (last) {
    const resumeAt = new Date((last.endedAt ?? last.requestedAt).getTime() + guard.backoffSeconds * 1000 * 2 ** (recent.length - 1));
    if (resumeAt > now) return { act: false, reason: `backing off after ${recent.length} remediation(s) that did not hold: next automatic attempt at ${resumeAt.toISOString()}` };
  }
  if (!inWindow(policy.windows, now)) {
    const next = nextWindowOpening(policy.windows, now);
    return { act: false, reason: `outside the remediation windows: the next window opens at ${next ? next.toISOString() : 'never'}` };
  }
  return { act: true };
}
