import { DomainError } from '@rcp/ddd';
import { credentialHash, mintCredential, parseCredential, sameHash } from './agent-credential';
import { AgentEnrollment } from './agent-enrollment';
import { AgentKey } from './agent-key';

const T0 = new Date('2026-12-04T10:00:00Z');
const ENV = '0b7c6a4e-2f1d-4c3b-9a8e-5d6f7a8b9c0d';

describe('agent credentials', () => {
  it('mints a credential of its kind whose hash is all that identifies it', () => {
    const c = mintCredential('rcpak');
    expect(c.secret).toMatch(/^rcpak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(c.prefix).toBe(`rcpak_${c.lookup}`);
    expect(c.hash).toBe(credentialHash(c.secret));
    expect(c.secret).not.toContain(c.hash);
    expect(mintCredential('rcpak').lookup).not.toBe(c.lookup);
    expect(parseCredential(c.secret, 'rcpak')).toEqual({ kind: 'rcpak', lookup: c.lookup, hash: c.hash });
  });

  it.each([
    ['another kind', (s: string) => s.replace('rcpak_', 'rcpet_')],
    ['a truncated secret', (s: string) => s.slice(0, -1)],
    ['a longer secret', (s: string) => `${s}A`],
    ['surrounding whitespace', (s: string) => ` ${s}`],
    ['an upper-case lookup', (s: string) => s.replace(/^rcpak_([0-9a-f]{16})/, (_, l: string) => `rcpak_${l.toUpperCase()}`)],
    ['a JWT', () => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('refuses %s before any lookup', (_, change) => {
    const c = mintCredential('rcpak');
    const text = change(c.secret);
    if (text !== c.secret) expect(parseCredential(text, 'rcpak')).toBeUndefined();
  });

  it('compares hashes in constant time and never equates empty or different-length ones', () => {
    const c = mintCredential('rcpet');
    expect(sameHash(c.hash, credentialHash(c.secret))).toBe(true);
    expect(sameHash(c.hash, credentialHash(`${c.secret}x`))).toBe(false);
    expect(sameHash(c.hash, c.hash.slice(0, 10))).toBe(false);
    expect(sameHash('', '')).toBe(false);
  });
});

describe('AgentEnrollment', () => {
  const issue = (capabilities = ['report:health', 'report:actual-state', 'report:health']) =>
    AgentEnrollment.issue({ id: 'e1', tenantId: 'acme', projectId: 'shop', environmentId: ENV, lookup: 'a'.repeat(16), secretHash: 'ff', capabilities, createdBy: 'admin@acme' }, T0, 900);

  it('expires after its lifetime and keeps its capabilities sorted and unique', () => {
    const s = issue().snapshot();
    expect(s.expiresAt.toISOString()).toBe('2026-12-04T10:15:00.000Z');
    expect(s.capabilities).toEqual(['report:actual-state', 'report:health']);
    expect(s.redeemedAt).toBeNull();
  });

  it('is redeemed once, for one key', () => {
    const e = issue();
    e.redeem('k1', new Date(T0.getTime() + 60_000));
    expect(e.snapshot()).toMatchObject({ agentKeyId: 'k1', redeemedAt: new Date(T0.getTime() + 60_000) });
    expect(() => e.redeem('k2', new Date(T0.getTime() + 61_000))).toThrow(/already used/);
    expect(e.snapshot().agentKeyId).toBe('k1');
  });

  it('is refused at and after its expiry, as unauthenticated', () => {
    const e = issue();
    let err: unknown;
    try {
      e.redeem('k1', new Date(T0.getTime() + 900_000));
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('unauthenticated');
    expect((err as DomainError).message).toMatch(/expired/);
  });

  it('needs at least one capability', () => {
    expect(() => issue([])).toThrow(/at least one capability/);
  });
});

describe('AgentKey', () => {
  const key = () =>
    AgentKey.issue({ id: 'k1', tenantId: 'acme', projectId: 'shop', environmentId: ENV, prefix: 'rcpak_x', lookup: 'x', secretHash: 'ff', capabilities: ['report:health'], enrollmentId: 'e1', createdBy: 'admin@acme', createdAt: T0 });

  it('records its last use while active', () => {
    const k = key();
    k.use(new Date(T0.getTime() + 5_000));
    expect(k.snapshot().lastUsedAt).toEqual(new Date(T0.getTime() + 5_000));
    expect(k.keyState).toBe('active');
  });

  it('is revoked once, with who and why, and then refuses every use', () => {
    const k = key();
    expect(k.revoke('admin@acme', 'laptop stolen', T0)).toBe(true);
    expect(k.revoke('system', 'environment decommissioned', new Date(T0.getTime() + 1))).toBe(false);
    expect(k.snapshot()).toMatchObject({ revokedBy: 'admin@acme', revokedReason: 'laptop stolen', revokedAt: T0 });
    expect(k.keyState).toBe('revoked');
    expect(() => k.use(T0)).toThrow(/revoked/);
  });
});
