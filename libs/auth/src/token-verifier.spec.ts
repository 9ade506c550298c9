import jwt from 'jsonwebtoken';
import { Settings } from '@rcp/config';
import { AGENT_TOKEN_KID, AgentTokenKeys } from './agent-token-keys';
import { signLocalToken } from './token-factory';
import { TokenVerifier } from './token-verifier';

const SECRET = 'k3J9-vQ2xLp7Wm4Zt8Rb1Nc6Hd5Fg0Ys';

function verifierOf(overrides: Partial<Settings> = {}): TokenVerifier {
  const settings = { JWT_SECRET: SECRET, JWT_JWKS_URI: '', JWT_ISSUER: 'rcp', JWT_AUDIENCE: 'rcp-api', JWT_MAX_TTL_SECONDS: 3600, AUTH_TOKEN_CACHE_SIZE: 100, ...overrides } as Settings;
  return new TokenVerifier(settings, new AgentTokenKeys(settings));
}

const token = (sub: string, ttlSeconds = 600) => jwt.sign({ roles: ['tenant:viewer'], tenant_id: 'acme' }, SECRET, { algorithm: 'HS256', issuer: 'rcp', audience: 'rcp-api', subject: sub, expiresIn: ttlSeconds });

describe('TokenVerifier: tokens verified once per process, until they expire', () => {
  let verifySpy: jest.SpyInstance;
  beforeEach(() => (verifySpy = jest.spyOn(jwt, 'verify')));
  afterEach(() => {
    verifySpy.mockRestore();
    jest.useRealTimers();
  });

  it('verifies a token the first time only; later calls answer the same actor from memory', async () => {
    const verifier = verifierOf();
    const t = token('viewer@acme');
    const first = await verifier.verify(t);
    const again = await verifier.verify(t);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ sub: 'viewer@acme', tenantId: 'acme' });
    expect(verifySpy).toHaveBeenCalledTimes(1);
    expect(await verifier.recall(t)).toEqual(first);
    expect(verifier.peek(t)).toEqual(first);
  });

  it('refuses a remembered token from the second it expires, as full verification does', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const verifier = verifierOf();
    const t = token('short@acme', 5);
    await verifier.verify(t);
    jest.setSystemTime(new Date('2026-12-04T10:00:04.900Z'));
    expect(await verifier.recall(t)).toBeDefined();
    jest.setSystemTime(new Date('2026-12-04T10:00:05Z'));
    expect(verifier.peek(t)).toBeUndefined();
    expect(await verifier.recall(t)).toBeUndefined();
    await expect(verifier.verify(t)).rejects.toThrow(/expired/);
  });

  it('remembers only valid tokens: a bad signature, issuer or claim is refused every time', async () => {
    const verifier = verifierOf();
    const forged = jwt.sign({ roles: ['platform:admin'] }, 'another-secret-another-secret-xx', { algorithm: 'HS256', issuer: 'rcp', audience: 'rcp-api', subject: 'x', expiresIn: 60 });
    await expect(verifier.verify(forged)).rejects.toThrow(/signature/);
    await expect(verifier.verify(forged)).rejects.toThrow(/signature/);
    expect(await verifier.recall(forged)).toBeUndefined();
    const foreign = jwt.sign({ roles: ['platform:admin'] }, SECRET, { algorithm: 'HS256', issuer: 'someone-else', audience: 'rcp-api', subject: 'x', expiresIn: 60 });
    await expect(verifier.verify(foreign)).rejects.toThrow(/issuer/);
    expect(verifier.peek(foreign)).toBeUndefined();
  });

  it('keeps at most AUTH_TOKEN_CACHE_SIZE tokens, dropping the least recently used', async () => {
    const verifier = verifierOf({ AUTH_TOKEN_CACHE_SIZE: 2 });
    const [a, b, c] = [token('a@acme'), token('b@acme'), token('c@acme')];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recently used
    await verifier.verify(c); // b goes
    expect(verifier.peek(a)).toBeDefined();
    expect(verifier.peek(b)).toBeUndefined();
    expect(verifier.peek(c)).toBeDefined();
    expect(verifySpy).toHaveBeenCalledTimes(3);
  });

  it('with AUTH_TOKEN_CACHE_SIZE=0 verifies every call', async () => {
    const verifier = verifierOf({ AUTH_TOKEN_CACHE_SIZE: 0 });
    const t = token('every@acme');
    await verifier.verify(t);
    await verifier.verify(t);
    expect(verifySpy).toHaveBeenCalledTimes(2);
    expect(verifier.peek(t)).toBeUndefined();
  });

  it('verifies again when the key that verified a token changed (here: the agent token key)', async () => {
    const verifier = verifierOf({ AGENT_TOKEN_SECRET: 'agent-key-agent-key-agent-key-agent-key' } as Partial<Settings>);
    const agentKeys = (verifier as unknown as { agentKeys: { key: unknown } }).agentKeys;
    const agent = jwt.sign(
      { roles: ['agent'], tenant_id: 'acme', environment_id: '3f1c2a7e-9b4d-4c61-8a2e-5d7f0b9c1e23', key_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', capabilities: ['report:health'] },
      'agent-key-agent-key-agent-key-agent-key',
      { algorithm: 'HS256', issuer: 'rcp', audience: 'rcp-api', subject: 'agent-key:7c9e6679-7425-40de-944b-e07fc1f90ae7', expiresIn: 60, keyid: AGENT_TOKEN_KID },
    );
    expect(await verifier.verify(agent)).toMatchObject({ kind: 'agent' });
    expect(await verifier.recall(agent)).toBeDefined();
    // The key is replaced (a restart with a new AGENT_TOKEN_SECRET, a rotation): the remembered entry no longer counts.
    Object.defineProperty(agentKeys, 'key', { value: Symbol('another key') });
    expect(await verifier.recall(agent)).toBeUndefined();
  });

  it('signLocalToken tokens are remembered like any other', async () => {
    const verifier = verifierOf();
    const t = signLocalToken({ tenantId: 'acme', roles: ['tenant:admin'] }, SECRET);
    await verifier.verify(t);
    expect(verifier.peek(t)).toMatchObject({ tenantId: 'acme', roles: ['tenant:admin'] });
  });
});
