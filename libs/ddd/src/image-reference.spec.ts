import { DomainError } from './domain-error';
import { formatImageReference, parseImageReference } from './image-reference';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('image references', () => {
  it.each([
    ['registry.example/checkout:1.0.0', { repository: 'registry.example/checkout', tag: '1.0.0', digest: null }],
    ['checkout:v2', { repository: 'checkout', tag: 'v2', digest: null }],
    ['localhost:5000/team/app:1', { repository: 'localhost:5000/team/app', tag: '1', digest: null }],
    [`ghcr.io/acme/web@${DIGEST}`, { repository: 'ghcr.io/acme/web', tag: null, digest: DIGEST }],
    [`ghcr.io/acme/web:1.2@${DIGEST}`, { repository: 'ghcr.io/acme/web', tag: '1.2', digest: DIGEST }],
    ['registry:5000/app:1.0.0-unhealthy', { repository: 'registry:5000/app', tag: '1.0.0-unhealthy', digest: null }],
  ])('reads %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
    expect(formatImageReference(parseImageReference(text))).toBe(text);
  });

  it.each([
    ['no tag or digest', 'registry.example/checkout', /tag or a digest/],
    ['a port but no tag', 'localhost:5000/app', /tag or a digest/],
    ['a short digest', 'app@sha256:abc', /64 lowercase hex/],
    ['an upper-case digest', `app@sha256:${'A1'.repeat(32)}`, /64 lowercase hex/],
    ['another digest algorithm', `app@sha512:${'a1'.repeat(64)}`, /sha256/],
    ['an upper-case repository', 'Registry.example/Checkout:1', /lowercase/],
    ['an empty path component', 'registry.example//app:1', /lowercase/],
    ['a bad tag', 'app:-x', /not a valid tag/],
    ['whitespace', 'app: 1', /whitespace/],
    ['nothing', '', /1 to 512/],
  ])('refuses %s', (_, text, reason) => {
    let err: unknown;
    try {
      parseImageReference(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('validation_failed');
    expect((err as DomainError).message).toMatch(reason);
    expect((err as DomainError).details.errors).toEqual([{ field: 'image', message: (err as DomainError).message }]);
  });
});
