import { MAX_OUTSIDE_TEXT_LENGTH, sanitizeOutsideText } from '@rcp/ddd';

/**
 * How hard the control plane tries before it gives up on an infrastructure operation: each
 * provisioning or decommissioning round makes at most this many attempts (each a new provisioner
 * operation), with a backoff between them chosen by the application.
 */
export const MAX_OPERATION_ATTEMPTS = 3;

export type OperationKind = 'provision' | 'decommission';

/** An infrastructure operation in flight: the provisioner reports its outcome under this id. */
export interface OperationInFlight {
  id: string;
  kind: OperationKind;
  attempt: number;
  startedAt: Date;
}

/** What the provisioner reported for an operation. */
export type OperationOutcome = { succeeded: true } | { succeeded: false; reason: string };

/** Longest failure reason an executor may give that is kept (longer ones are cut with "…"). */
export const MAX_REPORTED_REASON_LENGTH = MAX_OUTSIDE_TEXT_LENGTH;

/** Text an executor chose (a failure reason), made fit for a tenant to read (see `sanitizeOutsideText`). */
export const sanitizeReportedReason = (text: string, max = MAX_REPORTED_REASON_LENGTH): string => sanitizeOutsideText(text, max);
