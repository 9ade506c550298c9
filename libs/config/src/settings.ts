/**
 * Every setting of the control plane, its default and its rule. This table is the single source for
 * validation at start-up, for `.env.example` and for the README's configuration table.
 */
export type Role = 'all' | 'api' | 'worker';

export type NodeEnv = 'development' | 'test' | 'production';

export interface Settings {
  NODE_ENV: NodeEnv;
  PORT: number;
  HOST: string;
  TRUST_PROXY: string;
  DATABASE_URL: string;
  DATABASE_TENANT_URL: string;
  DATABASE_SYSTEM_URL: string;
  DB_POOL_SIZE: number;
  DB_STATEMENT_TIMEOUT_MS: number;
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
  REDIS_URL: string;
  REDIS_PREFIX: string;
  RCP_ROLE: Role;
  JWT_SECRET: string;
  JWT_SECRET_FILE: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_MAX_TTL_SECONDS: number;
  JWT_JWKS_URI: string;
  JWT_JWKS_COOLDOWN_SECONDS: number;
  AUTH_TOKEN_CACHE_SIZE: number;
  DEPLOYMENT_GATE_INTERVAL_SECONDS: number;
  DRIFT_RECONCILE_INTERVAL_SECONDS: number;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' | 'false';
  WEBHOOK_RETRY_SCHEDULE: string;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_CONCURRENCY: number;
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: number;
  WEBHOOK_DISABLE_AFTER_DEAD_LETTERS: number;
  WEBHOOK_POLL_MS: number;
  DRIFT_DEBOUNCE_SECONDS: number;
  DRIFT_RECONCILE_BATCH: number;
  DRIFT_UNHEALTHY_SECONDS: number;
  DRIFT_REMEDIATION_MAX_ATTEMPTS: number;
  DRIFT_REMEDIATION_WINDOW_SECONDS: number;
  DRIFT_REMEDIATION_BACKOFF_SECONDS: number;
  AGENT_TOKEN_SECRET: string;
  AGENT_TOKEN_TTL_SECONDS: number;
  AGENT_ENROLLMENT_TTL_SECONDS: number;
  AGENT_TOKEN_EXCHANGES_PER_MINUTE: number;
  AGENT_KEY_STATUS_CACHE_SECONDS: number;
  LOG_LEVEL: string;
  BODY_LIMIT_BYTES: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  RATE_LIMIT_PER_MINUTE: number;
  RATE_LIMIT_IP_PER_MINUTE: number;
  RELAY_BATCH_SIZE: number;
  RELAY_IDLE_MAX_MS: number;
  RELAY_LEASE_MS: number;
  DELIVERY_MAX_ATTEMPTS: number;
  DELIVERY_CONCURRENCY: number;
  DELIVERY_BACKOFF_BASE_MS: number;
  DELIVERY_HANDLER_TIMEOUT_MS: number;
  EVENT_SUBSCRIPTION_TTL_HOURS: number;
  JOB_CONCURRENCY: number;
  JOB_MAX_ATTEMPTS: number;
  JOB_LEASE_SECONDS: number;
  JOB_SWEEP_INTERVAL_MS: number;
  JOB_SHUTDOWN_GRACE_MS: number;
  JOB_BACKOFF_BASE_MS: number;
  IDEMPOTENCY_TTL_HOURS: number;
  PROVISIONER: 'simulated' | 'http';
  PROVISION_TIMEOUT_SECONDS: number;
  SIMULATED_LATENCY_MS: number;
  SIMULATED_FAILURE_RATE: number;
  SIMULATED_READY_STEP_MS: number;
  SIMULATED_PROGRESS_DEADLINE_MS: number;
  SIMULATED_LOAD_RPS: number;
  SIMULATOR_DATABASE_URL: string;
  EXECUTOR_SIM_PORT: number;
  ACTUAL_STATE_PULL_INTERVAL_SECONDS: number;
  SECRETS_INLINE_ALLOWED: 'true' | 'false';
  SECRETS_MASTER_KEY: string;
  SECRETS_MASTER_KEYS_RETIRED: string;
  SECRETS_RESEAL_INTERVAL_SECONDS: number;
  SECRETS_RECHECK_INTERVAL_SECONDS: number;
  SECRETS_CA_FILE: string;
  SECRETS_CHECK_TIMEOUT_MS: number;
  VAULT_ADDR: string;
  VAULT_TOKEN: string;
  VAULT_NAMESPACE: string;
  VAULT_AUTH_MOUNT: string;
  AZURE_KEY_VAULT_HOSTS: string;
  AZURE_KEY_VAULT_CONNECT_TO: string;
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
  AZURE_AUTHORITY_HOST: string;
  CONFIG_MAX_ENTRIES: number;
  CONFIG_MAX_VALUE_BYTES: number;
  HEALTH_FAILURE_THRESHOLD: number;
  HEALTH_SUCCESS_THRESHOLD: number;
  HEALTH_STALE_SECONDS: number;
  HEALTH_PULL_INTERVAL_SECONDS: number;
  METRICS_SOURCE: 'data-plane' | 'prometheus';
  PROMETHEUS_URL: string;
  PROMETHEUS_QUERY_CPU: string;
  PROMETHEUS_QUERY_RPS: string;
  PROMETHEUS_QUERY_P95_LATENCY_MS: string;
  PROMETHEUS_QUERY_ERROR_RATE: string;
  EXECUTOR_URL: string;
  EXECUTOR_SECRET: string;
  EXECUTOR_TIMEOUT_MS: number;
  PUBLIC_BASE_URL: string;
  RETENTION_INTERVAL_SECONDS: number;
  RETENTION_BATCH_SIZE: number;
  RETENTION_EVENT_LOG_DAYS: number;
  RETENTION_INBOX_HOURS: number;
  RETENTION_JOBS_DAYS: number;
  RETENTION_DEAD_LETTER_DAYS: number;
  RETENTION_AUDIT_DAYS: number;
  RETENTION_AUDIT_EXPORT_DIR: string;
  RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT: 'true' | 'false';
  BUILD_COMMIT: string;
  BUILD_TIME: string;
}

interface Spec {
  default: string;
  description: string;
  check?: (v: string) => string | undefined;
  kind?: 'int' | 'float' | 'string';
  /** A credential: a refusal names the setting but never shows its value. */
  secret?: boolean;
}

const int = (min: number, max: number) => (v: string) =>
  /^-?\d+$/.test(v) && +v >= min && +v <= max ? undefined : `must be an integer between ${min} and ${max}`;
const float = (min: number, max: number) => (v: string) =>
  v.trim() !== '' && !isNaN(+v) && +v >= min && +v <= max ? undefined : `must be a number between ${min} and ${max}`;
const oneOf = (...values: string[]) => (v: string) => (values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
const url = (...protocols: string[]) => (v: string) => {
  if (v === '') return undefined;
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) ? undefined : `must be a ${protocols.join(' or ')} URL`;
  } catch {
    return 'must be a URL';
  }
};
const required = (check: (v: string) => string | undefined) => (v: string) => (v === '' ? 'is required' : check(v));
const nonEmpty = (v: string) => (v === '' ? 'is required' : undefined);

/** Hosts an `http:` JWKS URL may name: only this machine, where nobody on the path can swap the keys. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** JWKS over https, or plain http to a loopback address (a local test identity provider). */
const jwksUrl = (v: string) => {
  if (v === '') return undefined;
  try {
    const u = new URL(v);
    if (u.protocol === 'https:') return undefined;
    if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
    return 'must be an https URL (http only for a loopback host such as 127.0.0.1)';
  } catch {
    return 'must be a URL';
  }
};

/** The HS256 secret this project once printed as its default: public, so never accepted. */
export const PUBLISHED_JWT_SECRETS = ['rcp-local-development-secret-change-me'];
/** A secret needs this many characters and this many different ones (refuses `aaaa…` and `abab…`). */
export const JWT_SECRET_MIN_LENGTH = 32;
export const JWT_SECRET_MIN_DISTINCT = 10;

/** Why a JWT secret is too weak to sign tokens with, or undefined when it will do (every NODE_ENV). */
export function jwtSecretProblem(secret: string): string | undefined {
  if (secret.length < JWT_SECRET_MIN_LENGTH) return `must be at least ${JWT_SECRET_MIN_LENGTH} characters`;
  if (PUBLISHED_JWT_SECRETS.includes(secret)) return 'is a published example secret that anyone can sign tokens with';
  if (new Set(secret).size < JWT_SECRET_MIN_DISTINCT) return `must use at least ${JWT_SECRET_MIN_DISTINCT} different characters (e.g. openssl rand -base64 32)`;
  return undefined;
}

export const SETTINGS: Record<keyof Settings, Spec> = {
  NODE_ENV: { default: 'development', description: 'development, test or production', check: oneOf('development', 'test', 'production') },
  PORT: { default: '3000', description: 'HTTP port of the api role', check: int(0, 65535), kind: 'int' },
  HOST: { default: '127.0.0.1', description: 'Interface the HTTP server binds: 127.0.0.1 serves this machine only, 0.0.0.0 every network (the Docker image sets it)' },
  TRUST_PROXY: {
    default: 'false',
    description: 'Proxies whose X-Forwarded-For is believed (client IP for rate limits and audit): false, true, or addresses/CIDRs/loopback, comma-separated',
    check: (v) => (/^(true|false|[0-9a-fA-F:.\/,a-z ]{1,500})$/.test(v) ? undefined : 'must be true, false or a comma-separated list of addresses, CIDRs or loopback'),
  },
  DATABASE_URL: {
    default: 'postgres://postgres@127.0.0.1:5432/rcp',
    description: 'PostgreSQL URL of the database owner (may create roles): creates the database if missing, migrates it and creates the runtime logins at start; no request or job runs on it',
    check: required(url('postgres:', 'postgresql:')),
  },
  DATABASE_TENANT_URL: {
    default: '',
    description: 'Login for tenant-scoped work, not a superuser (empty: DATABASE_URL as user rcp_tenant, no password); a password given here is set on rcp_tenant when migrating',
    check: url('postgres:', 'postgresql:'),
  },
  DATABASE_SYSTEM_URL: {
    default: '',
    description: 'Login for platform and system work, not a superuser (empty: DATABASE_URL as user rcp_system, no password); a password given here is set on rcp_system when migrating',
    check: url('postgres:', 'postgresql:'),
  },
  DB_POOL_SIZE: { default: '10', description: 'Connections in each of the two pools (tenant and system login) of each process', check: int(2, 200), kind: 'int' },
  DB_STATEMENT_TIMEOUT_MS: {
    default: '30000',
    description: 'Postgres cancels a statement of the two pools that runs longer (statement_timeout; the owner\'s migrations are not limited); 0 = the server\'s own setting',
    check: int(0, 3600000),
    kind: 'int',
  },
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: {
    default: '60000',
    description: 'Postgres closes a connection of the two pools whose transaction sits idle longer (idle_in_transaction_session_timeout), e.g. behind a hung handler; must exceed EXECUTOR_TIMEOUT_MS (an executor call runs inside its job\'s transaction); 0 = the server\'s own setting',
    check: int(0, 3600000),
    kind: 'int',
  },
  REDIS_URL: { default: 'redis://127.0.0.1:6379', description: 'Redis URL (BullMQ jobs, rate limits)', check: required(url('redis:', 'rediss:')) },
  REDIS_PREFIX: { default: 'rcp', description: 'Prefix of every Redis key (tests use one per run)', check: (v) => (/^[A-Za-z0-9_:-]{1,64}$/.test(v) ? undefined : 'must be 1-64 of A-Z a-z 0-9 _ : -') },
  RCP_ROLE: { default: 'all', description: 'api (HTTP only), worker (relay, handlers, jobs) or all (both, in one process)', check: oneOf('all', 'api', 'worker') },
  JWT_SECRET: {
    default: '',
    description: 'HS256 secret for local tokens (at least 32 characters, 10 different ones); unset: a random one kept in JWT_SECRET_FILE',
    check: (v) => (v === '' ? undefined : jwtSecretProblem(v)),
    secret: true,
  },
  JWT_SECRET_FILE: {
    default: '.rcp/jwt-secret',
    description: 'Where the HS256 secret is kept when JWT_SECRET and JWT_JWKS_URI are unset: a random one is written there (mode 0600) on first start; npm run token reads it',
    check: nonEmpty,
  },
  JWT_ISSUER: { default: 'rcp', description: 'Required `iss` of every token', check: nonEmpty },
  JWT_AUDIENCE: { default: 'rcp-api', description: 'Required `aud` of every token', check: nonEmpty },
  JWT_MAX_TTL_SECONDS: { default: '86400', description: 'Longest token lifetime accepted (exp - iat, or exp - now without iat); a longer-lived token is refused', check: int(60, 2592000), kind: 'int' },
  JWT_JWKS_URI: { default: '', description: 'When set, tokens are RS256 verified against this JWKS (https; http only on loopback): keys cached 10 min, refetched for an unknown kid', check: jwksUrl },
  AUTH_TOKEN_CACHE_SIZE: {
    default: '10000',
    description:
      'Verified tokens each api process remembers until they expire (least recently used first out), so a token is verified once, not on every request; 0 verifies every request',
    check: int(0, 1000000),
    kind: 'int',
  },
  JWT_JWKS_COOLDOWN_SECONDS: {
    default: '10',
    description: 'Shortest time between two JWKS fetches: a flood of unknown kids costs one fetch per period, and a newly published key is found within it',
    check: int(0, 600),
    kind: 'int',
  },
  WEBHOOK_ALLOW_PRIVATE_TARGETS: {
    default: 'false',
    description: 'true lets webhook URLs be http and resolve to private, loopback or link-local addresses (tests, local development); false: https to public addresses only',
    check: oneOf('true', 'false'),
  },
  WEBHOOK_RETRY_SCHEDULE: {
    default: '5s,5m,30m,2h,5h,10h',
    description: 'Waits before each retry of a failed webhook delivery (s, m, h; ±20 % jitter); after the last one the delivery is dead-lettered',
    check: (v) => (/^\s*\d+(ms|s|m|h)(\s*,\s*\d+(ms|s|m|h))*\s*$/.test(v) ? undefined : 'must be a comma-separated list of durations such as 5s,5m,2h'),
  },
  WEBHOOK_TIMEOUT_MS: { default: '10000', description: 'A webhook receiver must answer within this long, or the attempt fails', check: int(100, 60000), kind: 'int' },
  WEBHOOK_CONCURRENCY: { default: '64', description: 'Webhook deliveries one worker sends at once', check: int(1, 1024), kind: 'int' },
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: { default: '16', description: 'Deliveries of one subscription one worker sends at once (a slow receiver holds no more than this)', check: int(1, 256), kind: 'int' },
  WEBHOOK_DISABLE_AFTER_DEAD_LETTERS: { default: '20', description: 'A subscription whose deliveries are dead-lettered this many times in a row, with no success between, is disabled', check: int(1, 100000), kind: 'int' },
  WEBHOOK_POLL_MS: { default: '500', description: 'How often a worker looks for webhook deliveries that are due (new ones wake it at once)', check: int(10, 60000), kind: 'int' },
  DRIFT_RECONCILE_INTERVAL_SECONDS: {
    default: '180',
    description: 'How often every environment with a desired state is reconciled against it (±10 % jitter; a remediation policy may set its own); 0 = only on demand and on changes',
    check: int(0, 86400),
    kind: 'int',
  },
  DRIFT_DEBOUNCE_SECONDS: { default: '5', description: 'A change of desired state, actual state, health or a rollout\'s end reconciles its environment within this many seconds (changes in between are reconciled once)', check: int(0, 3600), kind: 'int' },
  DRIFT_RECONCILE_BATCH: { default: '100', description: 'Environments one scheduled reconciliation job takes (the schedule hands out due environments in jobs of this size)', check: int(1, 5000), kind: 'int' },
  DRIFT_UNHEALTHY_SECONDS: { default: '300', description: 'A service unhealthy for this long is a `persistently-unhealthy` drift finding', check: int(1, 604800), kind: 'int' },
  DRIFT_REMEDIATION_MAX_ATTEMPTS: { default: '3', description: 'Loop guard: automatic remediations of one divergence within DRIFT_REMEDIATION_WINDOW_SECONDS before it is left for a person', check: int(1, 100), kind: 'int' },
  DRIFT_REMEDIATION_WINDOW_SECONDS: { default: '3600', description: 'Loop guard: the window in which automatic remediations of one divergence are counted', check: int(60, 604800), kind: 'int' },
  DRIFT_REMEDIATION_BACKOFF_SECONDS: { default: '60', description: 'Loop guard: wait after an automatic remediation that did not hold before the next (doubles each time)', check: int(0, 86400), kind: 'int' },
  DEPLOYMENT_GATE_INTERVAL_SECONDS: {
    default: '10',
    description: 'How often a rollout that is verifying judges its health gate again (health from the health context\'s events, metrics read from the data plane)',
    check: int(1, 600),
    kind: 'int',
  },
  AGENT_TOKEN_SECRET: {
    default: '',
    description:
      'HS256 key the control plane signs agent tokens with (POST /v1/agent-tokens; at least 32 characters, 10 different ones); unset: derived from JWT_SECRET, and with JWT_JWKS_URI and no JWT_SECRET agent tokens cannot be issued. Every replica needs the same one',
    check: (v) => (v === '' ? undefined : jwtSecretProblem(v)),
    secret: true,
  },
  AGENT_TOKEN_TTL_SECONDS: { default: '600', description: 'Lifetime of an agent token issued for an agent key', check: int(60, 3600), kind: 'int' },
  AGENT_ENROLLMENT_TTL_SECONDS: { default: '900', description: 'How long a one-time enrollment token may be redeemed', check: int(60, 86400), kind: 'int' },
  AGENT_TOKEN_EXCHANGES_PER_MINUTE: { default: '20', description: 'Token exchanges per minute per agent key (POST /v1/agent-tokens); more are 429', check: int(1, 10000), kind: 'int' },
  AGENT_KEY_STATUS_CACHE_SECONDS: {
    default: '5',
    description: 'How long a process trusts what it read of an agent key (revoked or not): a revoked key\'s tokens stop working within this time on every replica (at once on the one that revoked it)',
    check: int(0, 300),
    kind: 'int',
  },
  LOG_LEVEL: { default: 'info', description: 'trace, debug, info, warn, error, fatal or silent', check: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent') },
  BODY_LIMIT_BYTES: { default: '1048576', description: 'Largest accepted request body (413 above)', check: int(1024, 16777216), kind: 'int' },
  HTTP_REQUEST_TIMEOUT_MS: {
    default: '30000',
    description: 'A client must send a whole request (headers and body) within this time (its headers within 10 s at most), or the connection is closed',
    check: int(1000, 600000),
    kind: 'int',
  },
  RATE_LIMIT_PER_MINUTE: { default: '1200', description: 'Requests per minute per token', check: int(1, 1000000), kind: 'int' },
  RATE_LIMIT_IP_PER_MINUTE: { default: '3000', description: 'Requests per minute per client IP', check: int(1, 1000000), kind: 'int' },
  RELAY_BATCH_SIZE: { default: '500', description: 'Events the relay claims per round', check: int(1, 10000), kind: 'int' },
  RELAY_IDLE_MAX_MS: { default: '500', description: 'Longest relay sleep when idle (a NOTIFY after commit wakes it earlier)', check: int(10, 60000), kind: 'int' },
  RELAY_LEASE_MS: {
    default: '5000',
    description:
      'Relay leader lease: the leader renews it every fifth of this; a leader silent this long (frozen, partitioned) is displaced by another worker, and stops leading itself',
    check: int(500, 300000),
    kind: 'int',
  },
  DELIVERY_MAX_ATTEMPTS: { default: '8', description: 'Attempts per (event, handler) before dead_letter', check: int(1, 100), kind: 'int' },
  DELIVERY_CONCURRENCY: { default: '4', description: 'Event deliveries a worker runs at once', check: int(1, 64), kind: 'int' },
  DELIVERY_BACKOFF_BASE_MS: { default: '500', description: 'Delay before the 2nd delivery attempt; doubles per failure (±20 % jitter), capped at 5 min', check: int(1, 300000), kind: 'int' },
  DELIVERY_HANDLER_TIMEOUT_MS: {
    default: '30000',
    description: 'Longest an event handler may take; past it its transaction is cut off and the delivery retried like a failure',
    check: int(100, 600000),
    kind: 'int',
  },
  EVENT_SUBSCRIPTION_TTL_HOURS: {
    default: '168',
    description: 'A handler no running worker has registered for this long gets no new deliveries (a handler removed from the code)',
    check: int(1, 8760),
    kind: 'int',
  },
  JOB_CONCURRENCY: { default: '8', description: 'BullMQ jobs a worker runs at once', check: int(1, 256), kind: 'int' },
  JOB_MAX_ATTEMPTS: { default: '5', description: 'Attempts per job before dead_letter', check: int(1, 100), kind: 'int' },
  JOB_LEASE_SECONDS: {
    default: '15',
    description: 'Lease of a running job: its worker renews it every third of this while the job runs; a job whose worker went silent this long runs again elsewhere, and the silent run can no longer commit',
    check: int(3, 3600),
    kind: 'int',
  },
  JOB_SWEEP_INTERVAL_MS: {
    default: '1000',
    description: 'How often the worker leader looks for jobs to run again: due jobs whose Redis hint was lost or is held by a process that stopped, and running jobs whose lease expired',
    check: int(100, 60000),
    kind: 'int',
  },
  JOB_SHUTDOWN_GRACE_MS: {
    default: '25000',
    description: 'At shutdown, how long a worker waits for the jobs it is running; those still running then are handed back (the attempt not counted) and run elsewhere at once',
    check: int(0, 600000),
    kind: 'int',
  },
  JOB_BACKOFF_BASE_MS: { default: '1000', description: 'Delay before the 2nd job attempt; doubles per failure, capped at 10 min', check: int(1, 600000), kind: 'int' },
  IDEMPOTENCY_TTL_HOURS: { default: '24', description: 'How long an Idempotency-Key is remembered', check: int(1, 720), kind: 'int' },
  PROVISIONER: { default: 'simulated', description: 'simulated (default, in-process) or http (external executor)', check: oneOf('simulated', 'http') },
  PROVISION_TIMEOUT_SECONDS: { default: '300', description: 'Provisioning that takes longer fails with a timeout reason', check: int(1, 86400), kind: 'int' },
  SIMULATED_LATENCY_MS: { default: '1500', description: 'Latency of each simulated infrastructure operation', check: int(0, 600000), kind: 'int' },
  SIMULATED_FAILURE_RATE: { default: '0', description: 'Probability (0-1) that a simulated operation fails', check: float(0, 1), kind: 'float' },
  SIMULATED_READY_STEP_MS: { default: '500', description: 'Simulated data plane: one more replica of a revision becomes ready every step', check: int(1, 600000), kind: 'int' },
  SIMULATED_PROGRESS_DEADLINE_MS: {
    default: '30000',
    description: 'Simulated data plane: a revision not ready this long after it was applied or scaled fails its operation (a -crashloop image always does)',
    check: int(100, 3600000),
    kind: 'int',
  },
  SIMULATED_LOAD_RPS: { default: '20', description: 'Simulated data plane: requests per second on a service until its load is set', check: float(0, 1000000), kind: 'float' },
  SIMULATOR_DATABASE_URL: {
    default: '',
    description: 'Database of the simulated data plane (its own schema `simulator`); empty = DATABASE_URL. A standalone `npm run executor:sim` may use another',
    check: url('postgres:', 'postgresql:'),
  },
  EXECUTOR_SIM_PORT: { default: '4010', description: 'Port of the standalone simulated executor (`npm run executor:sim`)', check: int(1, 65535), kind: 'int' },
  ACTUAL_STATE_PULL_INTERVAL_SECONDS: {
    default: '30',
    description: 'How often inventory reads what runs in every ready environment from the data plane (besides agents\' reports; also right after an environment becomes ready); 0 = never (what runs then comes from agents only)',
    check: int(0, 86400),
    kind: 'int',
  },
  SECRETS_INLINE_ALLOWED: {
    default: 'false',
    description: 'true allows `inline` secret bindings (a value stored encrypted by the control plane, write-only); requires SECRETS_MASTER_KEY',
    check: oneOf('true', 'false'),
  },
  SECRETS_MASTER_KEY: {
    default: '',
    description: 'The current master key of inline secrets, `<keyId>:<base64 of 32 bytes>` (envelope encryption: each value has its own data key, wrapped by this one). Never logged',
    check: (v) => (v === '' ? undefined : masterKeyProblem(v)),
    secret: true,
  },
  SECRETS_MASTER_KEYS_RETIRED: {
    default: '',
    description: 'Earlier master keys, comma-separated `<keyId>:<base64>`: still unwrap older values, which the worker re-wraps under SECRETS_MASTER_KEY (then a retired key can be dropped)',
    check: (v) => (v === '' ? undefined : v.split(',').map((k) => masterKeyProblem(k.trim())).find(Boolean)),
    secret: true,
  },
  SECRETS_RESEAL_INTERVAL_SECONDS: {
    default: '300',
    description: 'How often the worker leader looks for inline values sealed under a retired master key and seals them again under SECRETS_MASTER_KEY; 0 = never',
    check: int(0, 86400),
    kind: 'int',
  },
  SECRETS_RECHECK_INTERVAL_SECONDS: {
    default: '300',
    description: 'How often every live secret binding is checked again against its vault (a change of status is an event); 0 = only on creation and POST …/check',
    check: int(0, 86400),
    kind: 'int',
  },
  SECRETS_CA_FILE: { default: '', description: 'PEM file of extra certificate authorities trusted when calling a vault (a private Vault or Key Vault endpoint); empty = the system\'s' },
  SECRETS_CHECK_TIMEOUT_MS: { default: '5000', description: 'How long a vault may take to answer a secret binding check (then: unresolvable, vault unreachable)', check: int(100, 60000), kind: 'int' },
  VAULT_ADDR: { default: '', description: 'HashiCorp Vault address (`hashicorp-vault` bindings); empty = that provider is not configured and its bindings are unresolvable', check: url('http:', 'https:') },
  VAULT_TOKEN: { default: '', description: 'Token the control plane checks `hashicorp-vault` bindings with (needs token lookup-self, KV v2 read of the bound paths, read of the auth roles). Never logged' },
  VAULT_NAMESPACE: { default: '', description: 'Vault Enterprise namespace (X-Vault-Namespace); empty = none' },
  VAULT_AUTH_MOUNT: { default: 'kubernetes', description: 'Auth method mount whose roles a `hashicorp-vault` binding\'s identity names (`auth/<mount>/role/<identity>`)', check: nonEmpty },
  AZURE_KEY_VAULT_HOSTS: {
    default: '*.vault.azure.net',
    description: 'Comma-separated hosts an `azure-key-vault` reference may name (`*.` matches one label): a reference elsewhere is refused (400)',
    check: nonEmpty,
  },
  AZURE_KEY_VAULT_CONNECT_TO: {
    default: '',
    description: 'host:port every Key Vault request connects to instead of resolving the vault\'s host (a private endpoint without private DNS, or a proxy); TLS is still verified for the vault\'s name. Empty = resolve it',
    check: (v) => (v === '' || /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v) ? undefined : 'must be host:port'),
  },
  AZURE_TENANT_ID: { default: '', description: 'Entra ID tenant of the control plane\'s own credential for Key Vault checks; with AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, else `azure-key-vault` is not configured' },
  AZURE_CLIENT_ID: { default: '', description: 'Client id of the control plane\'s credential for Key Vault checks' },
  AZURE_CLIENT_SECRET: { default: '', description: 'Client secret of the control plane\'s credential for Key Vault checks. Never logged' },
  AZURE_AUTHORITY_HOST: { default: 'https://login.microsoftonline.com', description: 'Entra ID authority (sovereign clouds differ)', check: url('https:', 'http:') },
  CONFIG_MAX_ENTRIES: { default: '1000', description: 'Most entries one configuration version may hold', check: int(1, 100000), kind: 'int' },
  CONFIG_MAX_VALUE_BYTES: { default: '32768', description: 'Largest value (UTF-8 bytes) of one configuration entry', check: int(1, 1048576), kind: 'int' },
  HEALTH_FAILURE_THRESHOLD: { default: '3', description: 'Consecutive failed checks that make a service unhealthy', check: int(1, 100), kind: 'int' },
  HEALTH_SUCCESS_THRESHOLD: { default: '2', description: 'Consecutive passing checks that make a service healthy again', check: int(1, 100), kind: 'int' },
  HEALTH_STALE_SECONDS: { default: '90', description: 'A service with no check for this long is `unknown`', check: int(5, 86400), kind: 'int' },
  HEALTH_PULL_INTERVAL_SECONDS: {
    default: '30',
    description: 'How often the health context reads checks and metrics of every ready environment from the data plane (METRICS_SOURCE for metrics); 0 = never (agents report them)',
    check: int(0, 86400),
    kind: 'int',
  },
  METRICS_SOURCE: { default: 'data-plane', description: 'Where pulled metrics come from: data-plane (its own metrics read: the simulator, or the executor\'s GET …/metrics with PROVISIONER=http) or prometheus (PROMETHEUS_URL and the PROMETHEUS_QUERY_* templates)', check: oneOf('data-plane', 'prometheus') },
  PROMETHEUS_URL: { default: '', description: 'Prometheus base URL (METRICS_SOURCE=prometheus)', check: url('http:', 'https:') },
  PROMETHEUS_QUERY_CPU: {
    default: 'avg(rate(container_cpu_usage_seconds_total{namespace="{{environment}}",container="{{service}}"}[2m])) * 100',
    description: 'PromQL for a service\'s mean CPU % per replica; {{environment}} and {{service}} are replaced (quoted-safe); empty = not read',
  },
  PROMETHEUS_QUERY_RPS: { default: 'sum(rate(http_requests_total{namespace="{{environment}}",service="{{service}}"}[2m]))', description: 'PromQL for a service\'s requests per second; empty = not read' },
  PROMETHEUS_QUERY_P95_LATENCY_MS: {
    default: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{environment}}",service="{{service}}"}[2m]))) * 1000',
    description: 'PromQL for a service\'s p95 latency in ms; empty = not read',
  },
  PROMETHEUS_QUERY_ERROR_RATE: {
    default: 'sum(rate(http_requests_total{namespace="{{environment}}",service="{{service}}",code=~"5.."}[2m])) / sum(rate(http_requests_total{namespace="{{environment}}",service="{{service}}"}[2m]))',
    description: 'PromQL for a service\'s error rate (0-1); empty = not read',
  },
  EXECUTOR_URL: { default: '', description: 'Base URL of the external executor (PROVISIONER=http)', check: url('http:', 'https:') },
  EXECUTOR_SECRET: { default: '', description: 'HMAC secret shared with the external executor (requests and callbacks). Never logged', secret: true },
  EXECUTOR_TIMEOUT_MS: { default: '10000', description: 'How long the executor may take to answer a request, body included (then: executor timed out)', check: int(100, 120000), kind: 'int' },
  PUBLIC_BASE_URL: { default: 'http://127.0.0.1:3000', description: 'Base URL the executor calls back on', check: url('http:', 'https:') },
  RETENTION_INTERVAL_SECONDS: { default: '600', description: 'How often the worker leader prunes what retention allows (docs/retention.md)', check: int(5, 86400), kind: 'int' },
  RETENTION_BATCH_SIZE: { default: '5000', description: 'Rows deleted per pruning transaction', check: int(100, 100000), kind: 'int' },
  RETENTION_EVENT_LOG_DAYS: { default: '30', description: 'Days the event feed keeps an event (events still being delivered are kept); 0 = forever', check: int(0, 36500), kind: 'int' },
  RETENTION_INBOX_HOURS: { default: '24', description: 'Hours a handler\'s inbox row is kept after its delivery is done (no redelivery is possible then); 0 = forever', check: int(0, 876000), kind: 'int' },
  RETENTION_JOBS_DAYS: { default: '14', description: 'Days a completed job stays in the ledger; 0 = forever', check: int(0, 36500), kind: 'int' },
  RETENTION_DEAD_LETTER_DAYS: { default: '30', description: 'Days a dead-lettered delivery, and a failed or dead-lettered job, waits for an operator before it is dropped; 0 = forever', check: int(0, 36500), kind: 'int' },
  RETENTION_AUDIT_DAYS: { default: '365', description: 'Days the audit log keeps an entry (exported first, see RETENTION_AUDIT_EXPORT_DIR); at least 30; 0 = forever', check: (v) => (/^\d+$/.test(v) && (+v === 0 || (+v >= 30 && +v <= 36500)) ? undefined : 'must be 0 (keep forever) or between 30 and 36500'), kind: 'int' },
  RETENTION_AUDIT_EXPORT_DIR: { default: '', description: 'Directory that receives audit entries as NDJSON files before they are pruned; empty = no export (then entries are kept unless RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT=true)' },
  RETENTION_AUDIT_PRUNE_WITHOUT_EXPORT: { default: 'false', description: 'true lets audit entries older than RETENTION_AUDIT_DAYS be deleted without an export', check: oneOf('true', 'false') },
  BUILD_COMMIT: { default: 'dev', description: 'Commit shown at /version' },
  BUILD_TIME: { default: '', description: 'Build time shown at /version (defaults to start time)' },
};

/** What is wrong with a `<keyId>:<base64 of 32 bytes>` master key, if anything (never echoing the key). */
function masterKeyProblem(v: string): string | undefined {
  const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]+={0,2})$/.exec(v);
  if (!m) return 'must be <keyId>:<base64 of 32 bytes> (key id of letters, digits, . _ -)';
  return Buffer.from(m[2], 'base64').length === 32 ? undefined : 'the key must be 32 bytes (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)';
}

/** Thrown at start-up with one line naming the bad setting. */
export class SettingsError extends Error {}

/** Reads, defaults and validates every setting; the first problem stops start-up with one clear line. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const out: Record<string, string | number> = {};
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const raw = env[name];
    const value = raw === undefined ? spec.default : raw.trim();
    const problem = spec.check?.(value);
    if (problem) throw new SettingsError(`Invalid setting ${name}${spec.secret ? ' (value not shown)' : `=${JSON.stringify(raw ?? '')}`}: ${problem}`);
    out[name] = spec.kind === 'int' || spec.kind === 'float' ? Number(value) : value;
  }
  const s = out as unknown as Settings;
  if (s.PROVISIONER === 'http' && (!s.EXECUTOR_URL || !s.EXECUTOR_SECRET)) {
    throw new SettingsError('Invalid setting EXECUTOR_URL/EXECUTOR_SECRET: both are required with PROVISIONER=http');
  }
  if (s.METRICS_SOURCE === 'prometheus' && !s.PROMETHEUS_URL) {
    throw new SettingsError('Invalid setting PROMETHEUS_URL: required with METRICS_SOURCE=prometheus');
  }
  if (s.SECRETS_INLINE_ALLOWED === 'true' && !s.SECRETS_MASTER_KEY) {
    throw new SettingsError('Invalid setting SECRETS_MASTER_KEY: required with SECRETS_INLINE_ALLOWED=true');
  }
  if (s.AGENT_TOKEN_TTL_SECONDS > s.JWT_MAX_TTL_SECONDS) {
    throw new SettingsError(
      `Invalid setting AGENT_TOKEN_TTL_SECONDS=${s.AGENT_TOKEN_TTL_SECONDS}: longer than JWT_MAX_TTL_SECONDS (${s.JWT_MAX_TTL_SECONDS}), so every agent token issued would be refused`,
    );
  }
  if (s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS > 0 && s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS <= s.EXECUTOR_TIMEOUT_MS) {
    throw new SettingsError(
      `Invalid setting DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=${s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}: must exceed EXECUTOR_TIMEOUT_MS (${s.EXECUTOR_TIMEOUT_MS}), or Postgres would close a job's transaction while it waits for the executor`,
    );
  }
  return s;
}
