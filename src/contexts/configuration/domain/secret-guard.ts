/**
 * The secret guard: configuration entries are plain settings, and a value that looks like a credential
 * belongs in a secret binding instead. It is judged by the key's name and by the value's shape, and a
 * finding names the key and the rule, never the value.
 */

/** Words of a key name that mark it as a credential wherever they appear (`DB_PASSWORD`, `githubToken`). */
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'CREDENTIAL', 'CREDENTIALS', 'APIKEY', 'PRIVATEKEY', 'CLIENTSECRET']);
/** `KEY` after one of these is a credential (`API_KEY`, `PRIVATE_KEY`, `AWS_ACCESS_KEY`). */
const KEY_QUALIFIERS = new Set(['API', 'PRIVATE', 'ACCESS', 'SECRET', 'SIGNING', 'ENCRYPTION', 'MASTER', 'ACCOUNT', 'SERVICE', 'AUTH', 'LICENSE', 'SSH']);
/** `KEY` after one of these names a lookup key, not a credential (`CACHE_KEY`, `PARTITION_KEY`, `PUBLIC_KEY`). */
const NAMING_KEYS = new Set(['CACHE', 'PARTITION', 'SORT', 'PRIMARY', 'FOREIGN', 'ROUTING', 'IDEMPOTENCY', 'PUBLIC', 'LOOKUP', 'HASH', 'RANGE', 'SHARD', 'FLAG', 'FEATURE', 'DEDUP', 'QUEUE', 'LOCK']);
/** Words that make a key name harmless even with a secret word in it: it names where or what, not the credential. */
const HARMLESS_TAILS = new Set(['URL', 'URI', 'ENDPOINT', 'HOST', 'PATH', 'FILE', 'ID', 'NAME', 'TTL', 'TIMEOUT', 'LENGTH', 'HEADER', 'ISSUER', 'AUDIENCE', 'EXPIRY', 'ALGORITHM', 'FORMAT']);

/** The words of a key name: split at `_`, `-`, `.` and camelCase humps, upper-cased. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toUpperCase());
}

function nameRule(key: string): string | null {
  const words = keyWords(key);
  if (words.length === 0) return null;
  if (HARMLESS_TAILS.has(words[words.length - 1]) && words.length > 1) return null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (SECRET_WORDS.has(w)) return `its name contains ${w}`;
    if (w !== 'KEY') continue;
    const before = words[i - 1] ?? '';
    if (KEY_QUALIFIERS.has(before)) return `its name contains ${before}_KEY`;
    if (i === words.length - 1 && !NAMING_KEYS.has(before)) return 'its name ends in KEY';
  }
  return null;
}

const VALUE_RULES: ReadonlyArray<{ rule: string; test: (v: string) => boolean }> = [
  // Any PEM block but the public ones (a certificate, a public key, a CSR, a CRL are fine as configuration).
  { rule: 'its value is a PEM private key block', test: (v) => /-----BEGIN (?!(?:CERTIFICATE|TRUSTED CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE REQUEST|NEW CERTIFICATE REQUEST|X509 CRL)-----)[A-Z0-9 ]+-----/.test(v) },
  { rule: 'its value is a JSON Web Token', test: (v) => /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/.test(v) },
  { rule: 'its value is a URL with a password', test: (v) => /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@[^\s/]+/i.test(v) },
  { rule: 'its value is a connection string with a password', test: (v) => /(^|;)\s*(password|pwd|accountkey|sharedaccesskey)\s*=\s*[^;\s]+/i.test(v) },
  { rule: 'its value is a cloud access key', test: (v) => /\b(AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/.test(v) || /\bAIza[0-9A-Za-z_-]{35}\b/.test(v) },
  {
    rule: 'its value is an API token',
    test: (v) =>
      /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/.test(v) ||
      /\bgithub_pat_[A-Za-z0-9_]{40,}\b/.test(v) ||
      /\bxox[abprs]-[A-Za-z0-9-]{10,}/.test(v) ||
      /\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}\b/.test(v) ||
      /\bwhsec_[A-Za-z0-9+/=]{16,}/.test(v) ||
      /\bglpat-[A-Za-z0-9_-]{20,}\b/.test(v) ||
      /\bnpm_[A-Za-z0-9]{36}\b/.test(v) ||
      /\bhvs\.[A-Za-z0-9_-]{24,}\b/.test(v),
  },
];

export interface SecretFinding {
  key: string;
  /** Why, phrased without the value: `its name contains PASSWORD`, `its value is a JSON Web Token`. */
  rule: string;
}

/** The entries that look like secrets, in key order; empty when none does. */
export function findSecretLikeEntries(entries: Readonly<Record<string, string>>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const key of Object.keys(entries).sort()) {
    const byName = nameRule(key);
    const byValue = byName ? null : VALUE_RULES.find((r) => r.test(entries[key]))?.rule;
    const rule = byName ?? byValue;
    if (rule) findings.push({ key, rule });
  }
  return findings;
}
