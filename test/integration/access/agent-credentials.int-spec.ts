import { CommandBus } from '@nestjs/cqrs';
import { AgentKeyStatus } from '@rcp/auth';
import { Settings } from '@rcp/config';
import { DomainError } from '@rcp/ddd';
import { Actor, RequestContexts, systemContext } from '@rcp/observability';
import { TransactionManager } from '@rcp/persistence';
import { delivered, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';
import { IssueAgentEnrollmentCommand } from '../../../src/access/application/commands/issue-agent-enrollment/issue-agent-enrollment.command';
import { IssueAgentTokenCommand } from '../../../src/access/application/commands/issue-agent-token/issue-agent-token.command';
import { RedeemAgentEnrollmentCommand } from '../../../src/access/application/commands/redeem-agent-enrollment/redeem-agent-enrollment.command';
import { RevokeAgentKeyCommand } from '../../../src/access/application/commands/revoke-agent-key/revoke-agent-key.command';
import { AgentKeyRepository } from '../../../src/access/domain/access.repository';
import { parseCredential } from '../../../src/access/domain/agent-credential';
import { AccessAgentKeyStatus } from '../../../src/access/infrastructure/access-agent-key-status';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

/** The access module's commands, repositories and key status on a real database: the redemption race, revocation and its reach. */
describe('agent credentials', () => {
  let t: App;
  let owner: GivenTenant;
  let envId: string;

  beforeAll(async () => {
    t = await startTestApp({ RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10' });
    owner = await givenTenant(t);
    envId = (await givenReadyEnvironment(t, owner, { projectId: 'shop' })).id;
    await delivered(t, envId);
  });
  afterAll(() => t.close());

  const as = <T>(actor: Actor, work: () => Promise<T>): Promise<T> => RequestContexts.run(systemContext('test', { actor }), work);
  const admin: () => Actor = () => ({ sub: `admin@${owner.id}`, kind: 'user', tenantId: owner.id, roles: ['tenant:admin'] });
  /** What the credential guard makes of a presented credential: its environment's agent, in its tenant. */
  const agent: () => Actor = () => ({ sub: 'agent-enrollment:test', kind: 'agent', tenantId: owner.id, roles: ['agent'], environmentId: envId, capabilities: [] });
  const commands = () => t.app.get(CommandBus);

  const enrollment = () => as(admin(), () => commands().execute(new IssueAgentEnrollmentCommand(envId, ['report:health'], admin().sub)));
  const redeem = (token: string) => as(agent(), () => commands().execute(new RedeemAgentEnrollmentCommand(parseCredential(token, 'rcpet')!)));
  const refusal = (p: Promise<unknown>) => p.then(() => 'redeemed', (e: unknown) => (e instanceof DomainError ? `${e.code}: ${e.message}` : `unexpected: ${String(e)}`));

  it('redeems one enrollment exactly once when many redeem it at the same time', async () => {
    const { token, id } = await enrollment();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => refusal(redeem(token!))));
    expect(outcomes.filter((o) => o === 'redeemed')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'redeemed')).toEqual(Array(7).fill('unauthenticated: Invalid or missing bearer token: this enrollment token was already used'));
    const keys = await t.asOwner(`SELECT k.id, e.agent_key_id FROM access.agent_keys k JOIN access.agent_enrollments e ON e.id = k.enrollment_id WHERE e.id = $1`, [id]);
    expect(keys).toHaveLength(1);
    expect(keys[0].agent_key_id).toBe(keys[0].id);
    const audit = await t.asOwner(`SELECT result, count(*)::int AS n FROM platform.audit_log WHERE action = 'agent-enrollment.redeem' AND tenant_id = $1 GROUP BY result`, [owner.id]);
    expect(audit).toEqual([{ result: 'allowed', n: 1 }]); // refusals are audited by the HTTP layer (e2e), not inside the rolled-back transaction
  });

  it('stores only hashes: no row holds the token or the key', async () => {
    const { token } = await enrollment();
    const { key } = await redeem(token!);
    const rows = await t.asOwner(`SELECT row_to_json(e)::text || row_to_json(k)::text AS text FROM access.agent_enrollments e JOIN access.agent_keys k ON k.enrollment_id = e.id WHERE e.lookup = $1`, [token!.split('_')[1]]);
    expect(rows).toHaveLength(1);
    expect(rows[0].text).not.toContain(token!.slice(-43));
    expect(rows[0].text).not.toContain(key!.slice(-43));
  });

  it('revokes a key: its next exchange is refused, this process forgets it at once, another within AGENT_KEY_STATUS_CACHE_SECONDS', async () => {
    const { token } = await enrollment();
    const issued = await redeem(token!);
    const keyAgent: Actor = { ...agent(), sub: `agent-key:${issued.id}` };
    const exchange = () => as(keyAgent, () => commands().execute(new IssueAgentTokenCommand(parseCredential(issued.key!, 'rcpak')!)));
    expect((await exchange()).token).toBeTruthy();

    const here = t.app.get(AgentKeyStatus);
    const elsewhere = new AccessAgentKeyStatus(t.app.get(TransactionManager), { AGENT_KEY_STATUS_CACHE_SECONDS: 1 } as Settings);
    expect(await here.isRevoked(issued.id, owner.id)).toBe(false);
    expect(await elsewhere.isRevoked(issued.id, owner.id)).toBe(false);

    const revoked = await as(admin(), () => commands().execute(new RevokeAgentKeyCommand(envId, issued.id, 'test', admin().sub, 1)));
    expect(revoked).toMatchObject({ state: 'revoked', version: 2 });
    expect(await here.isRevoked(issued.id, owner.id)).toBe(true);
    expect(await elsewhere.isRevoked(issued.id, owner.id)).toBe(false); // what it read a moment ago, for at most its cache time
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await elsewhere.isRevoked(issued.id, owner.id)).toBe(true);
    await expect(refusal(exchange())).resolves.toBe('unauthenticated: Invalid or missing bearer token: this agent key is revoked');

    // Revoking again changes nothing and writes no second audit row; a stale If-Match is refused first.
    await expect(refusal(as(admin(), () => commands().execute(new RevokeAgentKeyCommand(envId, issued.id, 'again', admin().sub, 1))))).resolves.toMatch(/^version_conflict/);
    expect(await as(admin(), () => commands().execute(new RevokeAgentKeyCommand(envId, issued.id, 'again', admin().sub)))).toMatchObject({ revokedReason: 'test', version: 2 });
    const audit = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'agent-key.revoke' AND target_id = $1`, [issued.id]);
    expect(audit[0].n).toBe(1);
  });

  it('treats a key it cannot see as revoked (unknown, or another tenant\'s under row-level security)', async () => {
    const { token } = await enrollment();
    const issued = await redeem(token!);
    const status = t.app.get(AgentKeyStatus);
    expect(await status.isRevoked('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d', owner.id)).toBe(true);
    const other = await givenTenant(t);
    status.forget(issued.id);
    expect(await status.isRevoked(issued.id, other.id)).toBe(true);
  });

  it('lists active keys and revoked ones on request, in creation order, only in the tenant\'s scope', async () => {
    const first = await redeem((await enrollment()).token!);
    const second = await redeem((await enrollment()).token!);
    await as(admin(), () => commands().execute(new RevokeAgentKeyCommand(envId, first.id, 'test', admin().sub)));
    const tx = t.app.get(TransactionManager);
    const repo = t.app.get(AgentKeyRepository);
    const active = await tx.read(() => repo.activeOf(envId), { tenantId: owner.id, platform: false });
    expect(active.map((k) => k.id)).toContain(second.id);
    expect(active.map((k) => k.id)).not.toContain(first.id);
    const all = await tx.read(() => repo.page(envId, true, 200), { tenantId: owner.id, platform: false });
    const ids = all.map((k) => k.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    const stranger = await givenTenant(t);
    expect(await tx.read(() => repo.page(envId, true, 200), { tenantId: stranger.id, platform: false })).toEqual([]);
  });
});
