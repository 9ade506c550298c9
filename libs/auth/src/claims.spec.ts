import { Settings } from '@rcp/config';
import { actorFromClaims, RcpJwtClaims } from './claims';
import jwt from 'jsonwebtoken';
import { AGENT_TOKEN_KID, AgentTokenKeys } from './agent-token-keys';
import { InvalidClaimsError, TokenVerifier } from './token-verifier';

const ENV = '0b7c6a4e-2f1d-4c3b-9a8e-5d6f7a8b9c0d';
const base: RcpJwtClaims = { sub: 'admin@acme', exp: 2_000_000_000, roles: ['tenant:admin'], tenant_id: 'acme' };

describe('actorFromClaims', () => {
  it('accepts well-typed claims', () => {
    expect(actorFromClaims({ ...base, project_ids: ['web', 'shop', 'web'] })).toEqual({
      sub: 'admin@acme',
      kind: 'user',
      tenantId: 'acme',
      roles: ['tenant:admin'],
      projectIds: ['web', 'shop'],
      environmentId: undefined,
    });
    expect(actorFromClaims({ sub: 'agent-1', exp: 1, roles: ['agent'], tenant_id: 'acme', environment_id: ENV })).toMatchObject({ kind: 'agent', environmentId: ENV, capabilities: [] });
    expect(
      actorFromClaims({ sub: 'agent-1', exp: 1, roles: ['agent'], tenant_id: 'acme', environment_id: ENV, capabilities: ['report:health', 'report:health'], key_id: ENV }),
    ).toMatchObject({ kind: 'agent', capabilities: ['report:health'], agentKeyId: ENV });
  });

  it.each<[string, RcpJwtClaims, RegExp]>([
    ['tenant_id as an array', { ...base, tenant_id: ['susp'] }, /tenant_id/],
    ['tenant_id as a number', { ...base, tenant_id: 7 }, /tenant_id/],
    ['tenant_id null', { ...base, tenant_id: null }, /tenant_id/],
    ['sub as an array', { ...base, sub: ['admin'] }, /sub/],
    ['sub empty', { ...base, sub: '' }, /sub/],
    ['roles as a string', { ...base, roles: 'tenant:admin' }, /roles/],
    ['roles holding a non-string', { ...base, roles: [['tenant:admin']] }, /unknown role/],
    ['project_ids empty', { ...base, project_ids: [] }, /project_ids/],
    ['project_ids as a string', { ...base, project_ids: 'web' }, /project_ids/],
    ['project_ids holding a number', { ...base, project_ids: [1] }, /project_ids/],
    ['project_ids holding a malformed id', { ...base, project_ids: ['Web!'] }, /project_ids/],
    ['project_ids null', { ...base, project_ids: null }, /project_ids/],
    ['environment_id not a UUID', { ...base, roles: ['agent'], environment_id: 'env-a' }, /environment_id/],
    ['environment_id as an array', { ...base, roles: ['agent'], environment_id: [ENV] }, /environment_id/],
    ['iat as a string', { ...base, iat: '1' }, /iat/],
    ['exp as a string', { ...base, exp: '2000000000' }, /exp/],
    ['capabilities on a person\'s token', { ...base, capabilities: ['report:health'] }, /only agent tokens/],
    ['key_id on a person\'s token', { ...base, key_id: ENV }, /only agent tokens/],
    ['capabilities as a string', { ...base, roles: ['agent'], environment_id: ENV, capabilities: 'report:health' }, /capabilities/],
    ['a malformed capability', { ...base, roles: ['agent'], environment_id: ENV, capabilities: ['REPORT health'] }, /capabilities/],
    ['key_id not a UUID', { ...base, roles: ['agent'], environment_id: ENV, key_id: 'k1' }, /key_id/],
  ])('refuses %s', (_, claims, reason) => {
    const result = actorFromClaims(claims);
    expect(typeof result).toBe('string');
    expect(result).toMatch(reason);
  });
});

const verifierOf = (settings: Partial<Settings>) => new TokenVerifier(settings as Settings, new AgentTokenKeys(settings as Settings));

describe('TokenVerifier lifetime cap', () => {
  const verifier = verifierOf({
    JWT_SECRET: 'k3J9-vQ2xLp7Wm4Zt8Rb1Nc6Hd5Fg0Ys',
    JWT_JWKS_URI: '',
    JWT_ISSUER: 'rcp',
    JWT_AUDIENCE: 'rcp-api',
    JWT_MAX_TTL_SECONDS: 3600,
  });
  const now = 1_800_000_000;

  it('accepts a token that lives up to JWT_MAX_TTL_SECONDS', () => {
    expect(verifier.actorOf({ ...base, iat: now, exp: now + 3600 }, now).sub).toBe('admin@acme');
    expect(verifier.actorOf({ ...base, exp: now + 3600 }, now).sub).toBe('admin@acme');
  });

  it.each<[string, RcpJwtClaims]>([
    ['exp - iat over the cap', { ...base, iat: now - 10, exp: now + 3600 }],
    ['no iat and exp further than the cap', { ...base, exp: now + 3601 }],
    ['an iat in the future that hides a long life', { ...base, iat: now + 86400, exp: now + 86400 + 3600 }],
  ])('refuses %s', (_, claims) => {
    expect(() => verifier.actorOf(claims, now)).toThrow(InvalidClaimsError);
    expect(() => verifier.actorOf(claims, now)).toThrow(/JWT_MAX_TTL_SECONDS/);
  });

  it('refuses to start without a secret or with a weak one', () => {
    expect(() => verifierOf({ JWT_SECRET: '', JWT_JWKS_URI: '' })).toThrow(/JWT_SECRET/);
    expect(() => verifierOf({ JWT_SECRET: 'rcp-local-development-secret-change-me', JWT_JWKS_URI: '' })).toThrow(/published/);
  });
});

describe('agent tokens', () => {
  const settings: Partial<Settings> = {
    JWT_SECRET: 'k3J9-vQ2xLp7Wm4Zt8Rb1Nc6Hd5Fg0Ys',
    JWT_JWKS_URI: '',
    JWT_ISSUER: 'rcp',
    JWT_AUDIENCE: 'rcp-api',
    JWT_MAX_TTL_SECONDS: 3600,
    AGENT_TOKEN_SECRET: '',
    AGENT_TOKEN_TTL_SECONDS: 600,
  };
  const keys = new AgentTokenKeys(settings as Settings);
  const verifier = new TokenVerifier(settings as Settings, keys);
  const spec = { keyId: ENV, tenantId: 'acme', projectId: 'shop', environmentId: ENV, capabilities: ['report:health'] };

  it('signs with a key derived from JWT_SECRET (never the same bytes) and verifies to an agent of its key', async () => {
    const { token, expiresAt } = keys.sign(spec, new Date());
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(590_000);
    expect(() => jwt.verify(token, settings.JWT_SECRET!)).toThrow(/signature/);
    await expect(verifier.verify(token)).resolves.toMatchObject({
      kind: 'agent',
      tenantId: 'acme',
      projectIds: ['shop'],
      environmentId: ENV,
      capabilities: ['report:health'],
      agentKeyId: ENV,
      sub: `agent-key:${ENV}`,
    });
  });

  it('refuses a token under the agent kid that is not an agent token, even when correctly signed', async () => {
    const forged = jwt.sign({ roles: ['platform:admin'] }, keys.key!, { algorithm: 'HS256', keyid: AGENT_TOKEN_KID, subject: 'x', issuer: 'rcp', audience: 'rcp-api', expiresIn: 60 });
    await expect(verifier.verify(forged)).rejects.toThrow(/must be an agent token/);
  });

  it('refuses a JWT_SECRET-signed token that claims the agent kid', async () => {
    const claims = { roles: ['agent'], tenant_id: 'acme', environment_id: ENV, key_id: ENV, capabilities: ['report:health'] };
    const forged = jwt.sign(claims, settings.JWT_SECRET!, { algorithm: 'HS256', keyid: AGENT_TOKEN_KID, subject: 'x', issuer: 'rcp', audience: 'rcp-api', expiresIn: 60 });
    await expect(verifier.verify(forged)).rejects.toThrow(/signature/);
  });

  it('has no key with a JWKS and no AGENT_TOKEN_SECRET, and uses AGENT_TOKEN_SECRET when set', () => {
    expect(new AgentTokenKeys({ JWT_SECRET: '', AGENT_TOKEN_SECRET: '' } as Settings).unavailable()).toMatch(/AGENT_TOKEN_SECRET/);
    const own = new AgentTokenKeys({ ...settings, AGENT_TOKEN_SECRET: 'Zq8-w3Lk9Vn2Rt6Yp1Mx5Cb7Hd4Gf0Js' } as Settings);
    const { token } = own.sign(spec);
    expect(() => jwt.verify(token, 'Zq8-w3Lk9Vn2Rt6Yp1Mx5Cb7Hd4Gf0Js')).not.toThrow();
  });
});
