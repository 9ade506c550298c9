import { DomainError, canonicalJson, sha256Hex } from '@rcp/ddd';
import { findSecretLikeEntries } from './secret-guard';

/** A configuration key: an environment variable or property name. */
export const CONFIG_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;
/** A secret binding's name, as the workload sees it (an environment variable or a file name). */
export const BINDING_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;
/** A service's name (a DNS label, as inventory reports them). */
export const SERVICE_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The limits a control plane sets on one version (`CONFIG_MAX_ENTRIES`, `CONFIG_MAX_VALUE_BYTES`). */
export interface ContentLimits {
  maxEntries: number;
  maxValueBytes: number;
}

/** What one version of a service's configuration holds. */
export interface ConfigContent {
  entries: Record<string, string>;
  /** The names of the secret bindings it needs, sorted, without repeats. */
  secretRefs: string[];
}

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });

/**
 * Validates what a publisher sent and brings it to its one canonical form: entries as given (their order
 * does not matter to the checksum), secretRefs sorted. Refuses (400) too many entries, a value too large,
 * a malformed key or binding name, a binding named twice; refuses (422 `secret_value_forbidden`) an entry
 * that looks like a secret, naming its key but never its value.
 */
export function configContent(entries: Record<string, string>, secretRefs: readonly string[], limits: ContentLimits): ConfigContent {
  const keys = Object.keys(entries);
  if (keys.length > limits.maxEntries) throw invalid('entries', `entries may hold at most ${limits.maxEntries} keys (got ${keys.length})`);
  for (const key of keys) {
    if (!CONFIG_KEY_PATTERN.test(key)) throw invalid(`entries.${key.slice(0, 80)}`, `entry key ${JSON.stringify(key.slice(0, 80))} must match ${CONFIG_KEY_PATTERN.source}`);
    const value = entries[key];
    if (typeof value !== 'string') throw invalid(`entries.${key}`, `the value of ${key} must be a string`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > limits.maxValueBytes) throw invalid(`entries.${key}`, `the value of ${key} is ${bytes} bytes; at most ${limits.maxValueBytes} are allowed`);
  }
  const seen = new Set<string>();
  for (const name of secretRefs) {
    if (typeof name !== 'string' || !BINDING_NAME_PATTERN.test(name)) throw invalid('secretRefs', `secret binding name ${JSON.stringify(String(name).slice(0, 80))} must match ${BINDING_NAME_PATTERN.source}`);
    if (seen.has(name)) throw invalid('secretRefs', `secret binding ${name} is listed twice`);
    seen.add(name);
  }
  const findings = findSecretLikeEntries(entries);
  if (findings.length > 0) {
    const list = findings.map((f) => `${f.key} (${f.rule})`).join(', ');
    throw new DomainError(
      'secret_value_forbidden',
      `These entries look like secrets and may not be stored as configuration: ${list}. Bind the secret with POST /v1/environments/{id}/secret-bindings and name the binding in secretRefs`,
      { errors: findings.map((f) => ({ field: `entries.${f.key}`, message: `looks like a secret: ${f.rule}` })) },
    );
  }
  return { entries: { ...entries }, secretRefs: [...secretRefs].sort() };
}

/** sha256 (hex) of the content's canonical JSON: keys sorted, no whitespace. Equal content, equal checksum. */
export function checksumOf(content: ConfigContent): string {
  return sha256Hex(canonicalJson({ entries: content.entries, secretRefs: [...content.secretRefs].sort() }));
}

export interface ConfigDiff {
  added: Array<{ key: string; value: string }>;
  removed: Array<{ key: string; value: string }>;
  changed: Array<{ key: string; from: string; to: string }>;
  secretRefsAdded: string[];
  secretRefsRemoved: string[];
}

/** What changed from one version's content to another's, keys in order. Values are shown: secrets never enter entries. */
export function diffContent(from: ConfigContent, to: ConfigContent): ConfigDiff {
  const keys = [...new Set([...Object.keys(from.entries), ...Object.keys(to.entries)])].sort();
  const diff: ConfigDiff = { added: [], removed: [], changed: [], secretRefsAdded: [], secretRefsRemoved: [] };
  for (const key of keys) {
    const a = Object.prototype.hasOwnProperty.call(from.entries, key) ? from.entries[key] : undefined;
    const b = Object.prototype.hasOwnProperty.call(to.entries, key) ? to.entries[key] : undefined;
    if (a === undefined && b !== undefined) diff.added.push({ key, value: b });
    else if (a !== undefined && b === undefined) diff.removed.push({ key, value: a });
    else if (a !== b) diff.changed.push({ key, from: a!, to: b! });
  }
  diff.secretRefsAdded = to.secretRefs.filter((n) => !from.secretRefs.includes(n)).sort();
  diff.secretRefsRemoved = from.secretRefs.filter((n) => !to.secretRefs.includes(n)).sort();
  return diff;
}
