/**
 * Names of fields whose values never reach a log line. Matching is by key name (case-insensitive,
 * substring), which also covers nested payloads such as request bodies.
 */
const SECRET_KEY = /(authorization|password|passwd|secret|token|api[-_]?key|private[-_]?key|credential|cookie|signature)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Deep copy with secret-looking fields replaced by "[REDACTED]". */
export function redact<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as unknown as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) ? '[REDACTED]' : redact(v, depth + 1);
  }
  return out as T;
}

/** pino redact paths for the HTTP logger. */
export const PINO_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-rcp-signature"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.privateKey',
  '*.authorization',
];
