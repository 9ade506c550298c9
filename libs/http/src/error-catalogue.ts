/** The one catalogue of error codes (API.md): each code's HTTP status and title. */
export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'You are not allowed to do this' },
  tenant_suspended: { status: 403, title: 'The tenant is suspended' },
  tenant_offboarded: { status: 403, title: 'The tenant is offboarded' },
  not_found: { status: 404, title: 'The resource does not exist' },
  invalid_state_transition: { status: 409, title: 'The resource is not in a state that allows this' },
  concurrent_modification: { status: 409, title: 'The resource was changed concurrently' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  quota_exceeded: { status: 409, title: 'A quota would be exceeded' },
  precondition_failed: { status: 409, title: 'A precondition of this operation is not met' },
  version_conflict: { status: 412, title: 'The resource version does not match If-Match' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with another request' },
  secret_value_forbidden: { status: 422, title: 'Secret values are not accepted here' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'A dependency is unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const PROBLEM_TYPE_BASE = 'https://rcp.dev/problems/';
