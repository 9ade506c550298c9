import { delivered, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';
import { CommandBus } from '@nestjs/cqrs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { PublishConfigVersionCommand } from '../../../src/contexts/configuration/application/commands/publish-config-version/publish-config-version.command';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(30_000);

/** The publish handler and the configuration repository on a real database: concurrency, idempotency by content, audit. */
describe('publishing configuration versions', () => {
  let t: App;
  let owner: GivenTenant;
  let envId: string;

  beforeAll(async () => {
    t = await startTestApp({ RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10' });
    owner = await givenTenant(t);
    envId = (await givenReadyEnvironment(t, owner)).id;
    await delivered(t, envId);
  });
  afterAll(() => t.close());

  const publishOver = (service: string, entries: Record<string, string>) =>
    t.http().post(`/v1/environments/${envId}/config-versions`).set('authorization', `Bearer ${owner.admin}`).send({ service, entries });

  it('numbers concurrent publishers of one new service 1…n without a gap, a duplicate or a refusal', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => publishOver('racy', { RELEASE: String(i) })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(results.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const rows = await t.asOwner(
      `SELECT v.number, v.entries->>'RELEASE' AS release FROM configuration.config_versions v JOIN configuration.runtime_configurations c ON c.id = v.configuration_id WHERE c.environment_id = $1 AND c.service = 'racy' ORDER BY v.number`,
      [envId],
    );
    expect(rows.map((r: { number: number }) => r.number)).toEqual([1, 2, 3, 4, 5, 6]);
    const [line] = await t.asOwner(`SELECT latest_version, version FROM configuration.runtime_configurations WHERE environment_id = $1 AND service = 'racy'`, [envId]);
    expect(line).toEqual({ latest_version: 6, version: 6 });
    const [events] = await t.asOwner(
      `SELECT (SELECT count(*) FROM platform.event_log WHERE type = $1 AND envelope->'data'->>'service' = 'racy') + (SELECT count(*) FROM platform.outbox_events WHERE type = $1 AND envelope->'data'->>'service' = 'racy') AS n`,
      ['rcp.configuration.config-version-published.v1'],
    );
    expect(Number(events.n)).toBe(6);
  });

  it('answers concurrent publishers of the same content with one version', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => publishOver('same', { A: '1' })));
    expect(results.map((r) => r.body.version)).toEqual([1, 1, 1, 1]);
    expect(results.filter((r) => r.body.created)).toHaveLength(1);
    const audit = await t.asOwner(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'config-version.publish' AND target_id = $1`, [`${envId}/same`]);
    expect(audit[0].n).toBe(1);
  });

  it('runs as a command in a system context too (an event handler or job publishing configuration)', async () => {
    const commands = t.app.get(CommandBus);
    const view = await RequestContexts.run(
      systemContext('test', { actor: { sub: 'x', kind: 'system', tenantId: owner.id, roles: [] } }),
      () => commands.execute(new PublishConfigVersionCommand(envId, 'from-system', { A: '1' }, [], 'system:test')),
    );
    expect(view).toMatchObject({ version: 1, created: true, author: 'system:test' });
  });
});
