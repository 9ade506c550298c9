import { DomainError } from './domain-error';

/** A container image a workload runs (a deployment's release, a desired state's service): by tag, by digest, or both (the digest wins at pull time). */
export interface ImageReference {
  /** `registry.example.com:5000/team/app` (no tag, no digest). */
  repository: string;
  tag: string | null;
  /** `sha256:<64 hex>`. */
  digest: string | null;
}

const invalidAt = (field: string) => (message: string) => new DomainError('validation_failed', message, { errors: [{ field, message }] });

/** A path component of a repository (OCI distribution spec): lowercase alphanumerics joined by `.`, `_`, `__` or dashes. */
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** A registry host with an optional port: a DNS name (with a dot or a port, or `localhost`), or an IPv4 address. */
const HOST = /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+|[A-Za-z0-9-]+(?=:))(?::[0-9]{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_LENGTH = 512;

/**
 * Parses an image reference and refuses what a runtime could resolve differently from what the user
 * meant: no tag and no digest (an implicit `latest` is not a release), a digest that is not sha256 with
 * 64 lowercase hex digits, uppercase repository paths, empty components.
 */
export function parseImageReference(text: string, field = 'image'): ImageReference {
  const invalid = invalidAt(field);
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_LENGTH) throw invalid(`image must be 1 to ${MAX_LENGTH} characters`);
  if (/\s/.test(text)) throw invalid('image must not contain whitespace');
  const at = text.indexOf('@');
  let name = text;
  let digest: string | null = null;
  if (at >= 0) {
    digest = text.slice(at + 1);
    name = text.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid('image digest must be sha256: followed by 64 lowercase hex digits');
  }
  let tag: string | null = null;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`image tag "${tag.slice(0, 40)}" is not a valid tag`);
  }
  if (!tag && !digest) throw invalid('image needs a tag or a digest (repository:tag or repository@sha256:…): an implicit latest is not a release');
  const parts = name.split('/');
  const first = parts[0];
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !HOST.test(first)) throw invalid(`image registry "${first.slice(0, 60)}" is not a host name`);
  const path = hasHost ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((c) => COMPONENT.test(c))) throw invalid('image repository must be lowercase path components (letters, digits, and . _ - between them)');
  return { repository: name, tag, digest };
}

/** The reference as text, as it was given (tag before digest). */
export const formatImageReference = (r: ImageReference): string => `${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
