import { DomainError } from '@rcp/ddd';
import { desiredStateDigest, validateDesiredState } from './desired-state';
import { T0, aDesiredService, aDesiredState } from './drift.mother';

function refusal(run: () => unknown): { code: string; field: string } {
  try {
    run();
  } catch (e) {
    const err = e as DomainError & { details?: { errors?: Array<{ field: string }> } };
    return { code: err.code, field: err.details?.errors?.[0]?.field ?? '' };
  }
  throw new Error('not refused');
}

describe('a desired state', () => {
  it('is put in canonical form: services sorted by name, a null checksum where none is pinned', () => {
    const s = validateDesiredState(aDesiredState([aDesiredService('web'), { ...aDesiredService('api'), configChecksum: undefined as unknown as null }]));
    expect(s.services.map((x) => x.name)).toEqual(['api', 'web']);
    expect(s.services[0].configChecksum).toBeNull();
  });

  it.each([
    ['duplicate service names', aDesiredState([aDesiredService('api'), aDesiredService('api')]), 'services[1].name'],
    ['an image without tag or digest', aDesiredState([aDesiredService('api', { image: 'registry.example.com/acme/api' })]), 'services[0].image'],
    ['negative replicas', aDesiredState([aDesiredService('api', { replicas: -1 })]), 'services[0].replicas'],
    ['fractional replicas', aDesiredState([aDesiredService('api', { replicas: 1.5 })]), 'services[0].replicas'],
    ['a branch name as the revision', aDesiredState([], { source: { repository: 'https://git.example.com/x.git', revision: 'main', path: '' } }), 'source.revision'],
    ['a path that climbs out of the repository', aDesiredState([], { source: { repository: 'https://git.example.com/x.git', revision: 'abcdef1', path: '../secrets' } }), 'source.path'],
    ['a checksum that is not sha256', aDesiredState([aDesiredService('api', { configChecksum: 'abc' })]), 'services[0].configChecksum'],
    ['a service name that is not a DNS label', aDesiredState([aDesiredService('API')]), 'services[0].name'],
  ])('refuses %s with 400 naming the field', (_what, input, field) => {
    expect(refusal(() => validateDesiredState(input))).toEqual({ code: 'validation_failed', field });
  });

  it('accepts abbreviated and SHA-256 commit ids', () => {
    for (const revision of ['abcdef1', 'f'.repeat(40), '0'.repeat(64)]) {
      expect(validateDesiredState(aDesiredState([], { source: { repository: 'r', revision, path: 'p' } })).source.revision).toBe(revision);
    }
  });

  it('has one digest for the same source and services, whenever it was observed', () => {
    const a = validateDesiredState(aDesiredState());
    const b = validateDesiredState(aDesiredState(undefined, { observedAt: new Date(T0.getTime() + 1000) }));
    expect(desiredStateDigest(a)).toBe(desiredStateDigest(b));
    expect(desiredStateDigest(validateDesiredState(aDesiredState([aDesiredService('checkout', { replicas: 4 })])))).not.toBe(desiredStateDigest(a));
  });
});
