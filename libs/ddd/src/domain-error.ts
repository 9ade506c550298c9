/**
 * Codes of the public error catalogue (API.md) that domain rules may raise. The HTTP problem filter maps
 * each code to its status; the domain never knows about HTTP.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'invalid_state_transition'
  | 'concurrent_modification'
  | 'quota_exceeded'
  | 'precondition_failed'
  | 'version_conflict'
  | 'secret_value_forbidden'
  | 'tenant_suspended'
  | 'tenant_offboarded';

/** A broken business rule. Carries a stable catalogue code and optional structured details. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidStateTransitionError extends DomainError {
  constructor(aggregate: string, from: string, action: string) {
    super('invalid_state_transition', `${aggregate} cannot ${action} while ${from}`, { from, action });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} was not found`, { id });
  }
}

export class ConcurrentModificationError extends DomainError {
  constructor(what: string, id: string) {
    super('concurrent_modification', `${what} ${id} was changed by another request; reload and retry`, { id });
  }
}

export class VersionConflictError extends DomainError {
  constructor(expected: number, actual: number) {
    super('version_conflict', `If-Match expected version ${expected} but the resource is at version ${actual}`, {
      expected,
      actual,
    });
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(message: string, readonly reasons: string[]) {
    super('precondition_failed', message, { reasons });
  }
}

export class QuotaExceededError extends DomainError {
  constructor(quota: string, limit: number, requested: number) {
    super('quota_exceeded', `${quota} is ${limit}; this request would need ${requested}`, { quota, limit, requested });
  }
}
