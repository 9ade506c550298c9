import { DomainError, canonicalJson, formatImageReference, parseImageReference, sha256Hex } from '@rcp/ddd';

/** Where a desired state comes from: a commit of a Git repository and the path in it (what a GitOps pipeline read). */
export interface DesiredSource {
  repository: string;
  /** A commit id: 7 to 64 lowercase hex digits (SHA-1 or SHA-256 repositories, full or abbreviated). */
  revision: string;
  path: string;
}

/** One service as Git declares it. `configChecksum` null: Git does not pin the configuration. */
export interface DesiredService {
  name: string;
  image: string;
  replicas: number;
  configChecksum: string | null;
}

/** An immutable snapshot of what Git declares for one environment. */
export interface DesiredState {
  source: DesiredSource;
  services: DesiredService[];
  /** When the pipeline read the commit: orders the snapshots of one repository. */
  observedAt: Date;
}

const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const COMMIT = /^[0-9a-f]{7,64}$/;
const CHECKSUM = /^[0-9a-f]{64}$/;
export const MAX_DESIRED_SERVICES = 500;

const invalid = (field: string, message: string) => new DomainError('validation_failed', `${field} ${message}`, { errors: [{ field, message }] });

/**
 * Validates a desired state as posted and puts it in canonical form (services sorted by name, images as
 * written): duplicate service names, an image without tag or digest, negative or fractional replicas, a
 * checksum that is not sha256 hex, a revision that is not a commit id, a path that climbs out of the
 * repository: `validation_failed` naming the field.
 */
export function validateDesiredState(input: { source: DesiredSource; services: DesiredService[]; observedAt: Date }): DesiredState {
  const { source } = input;
  if (typeof source?.repository !== 'string' || source.repository.trim().length === 0 || source.repository.length > 512) throw invalid('source.repository', 'must be 1 to 512 characters');
  if (typeof source.revision !== 'string' || !COMMIT.test(source.revision)) throw invalid('source.revision', 'must be a commit id (7 to 64 lowercase hex digits), not a branch or tag name');
  if (typeof source.path !== 'string' || source.path.length > 512 || source.path.startsWith('/') || source.path.split('/').includes('..')) {
    throw invalid('source.path', 'must be a path inside the repository (relative, without "..", at most 512 characters)');
  }
  if (!Array.isArray(input.services) || input.services.length > MAX_DESIRED_SERVICES) throw invalid('services', `must be a list of at most ${MAX_DESIRED_SERVICES} services`);
  const seen = new Set<string>();
  const services = input.services.map((s, i): DesiredService => {
    const at = `services[${i}]`;
    if (typeof s?.name !== 'string' || !SERVICE.test(s.name)) throw invalid(`${at}.name`, 'must be a DNS label');
    if (seen.has(s.name)) throw invalid(`${at}.name`, `duplicates service ${s.name}: a service is declared once`);
    seen.add(s.name);
    const image = formatImageReference(parseImageReference(s.image, `${at}.image`));
    if (!Number.isInteger(s.replicas) || s.replicas < 0 || s.replicas > 10_000) throw invalid(`${at}.replicas`, 'must be an integer from 0 to 10000');
    const configChecksum = s.configChecksum ?? null;
    if (configChecksum !== null && (typeof configChecksum !== 'string' || !CHECKSUM.test(configChecksum))) throw invalid(`${at}.configChecksum`, 'must be a sha256 checksum (64 lowercase hex digits) or null');
    return { name: s.name, image, replicas: s.replicas, configChecksum };
  });
  if (!(input.observedAt instanceof Date) || Number.isNaN(input.observedAt.getTime())) throw invalid('observedAt', 'must be an RFC 3339 time');
  return { source: { repository: source.repository.trim(), revision: source.revision, path: source.path }, services: services.sort((a, b) => a.name.localeCompare(b.name)), observedAt: input.observedAt };
}

/** Same source and services: posting it again records nothing new. */
export const desiredStateDigest = (d: Pick<DesiredState, 'source' | 'services'>): string => sha256Hex(canonicalJson({ source: d.source, services: d.services }));
