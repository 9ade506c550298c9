import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { RequestContexts, systemContext } from '@rcp/observability';
import { delivered, eventsOf, eventually, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';
import { ReconcileEnvironmentCommand } from '../../../src/contexts/drift/application/commands/reconcile-environment/reconcile-environment.command';
import { DriftScheduler } from '../../../src/contexts/drift/application/drift-scheduler';

type App = Awaited<ReturnType<typeof startTestApp>>;

const REPO = 'https://git.example.com/acme/config.git';
const commit = () => randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);

/**
 * Reconciliation on a real database, with the actual state reported by the environment's agent (no data
 * plane pulls): deduplication across runs, the scaling exception, the schedule (intervals, jitter, the
 * per-environment override, quiet runs), changes that reconcile by themselves (debounced), and two runs
 * at once.
 */
describe('drift reconciliation', () => {
  let t: App;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ DRIFT_DEBOUNCE_SECONDS: '1', RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10' });
  });
  afterAll(() => t.close());

  const report = async (owner: GivenTenant, envId: string, services: Array<{ name: string; image: string; replicas: number }>) => {
    const res = await t
      .http()
      .put(`/v1/environments/${envId}/actual-state`)
      .set(bearer(owner.agent(envId)))
      .send({ observedAt: new Date().toISOString(), services: services.map((s) => ({ ...s, readyReplicas: s.replicas, configChecksum: null })) });
    expect(res.status).toBe(200);
    await delivered(t, `${envId}/services`);
  };
  const desire = async (owner: GivenTenant, envId: string, services: Array<{ name: string; image: string; replicas: number }>) => {
    const res = await t.http().put(`/v1/environments/${envId}/desired-state`).set(bearer(owner.deployer)).send({ source: { repository: REPO, revision: commit(), path: 'envs/prod' }, services });
    expect(res.status).toBe(200);
  };
  const reconcile = (envId: string, trigger: 'on-demand' | 'scheduled' = 'on-demand') =>
    RequestContexts.run(systemContext('test'), () => t.app.get(CommandBus).execute(new ReconcileEnvironmentCommand(envId, trigger)));
  const unresolved = (envId: string) => t.asOwner(`SELECT id, kind, service, state, occurrences, evidence, desired, actual FROM drift.findings WHERE environment_id = $1 AND state <> 'resolved' ORDER BY kind`, [envId]);
  const givenEnv = async () => {
    const owner = await givenTenant(t);
    const env = await givenReadyEnvironment(t, owner, { projectId: 'shop' });
    return { owner, env };
  };

  it('deduplicates across runs: one finding per divergence, seen again, published once', async () => {
    const { owner, env } = await givenEnv();
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }]);
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 2 }]);
    const first = await reconcile(env.id);
    expect(first).toMatchObject({ reconciled: true, counts: { open: 1 } });
    await reconcile(env.id);
    const third = await reconcile(env.id);
    expect(third.counts).toMatchObject({ open: 1, detected: 0, resolved: 0 });
    const [f] = await unresolved(env.id);
    expect(f).toMatchObject({ kind: 'image-mismatch', state: 'open', desired: 'registry.example/checkout:2.0.0', actual: 'registry.example/checkout:1.0.0' });
    expect(f.occurrences).toBeGreaterThanOrEqual(3);
    expect((await eventsOf(t, f.id, 'rcp.drift.')).map((e) => e.type)).toEqual(['rcp.drift.drift-detected.v1']);
  });

  it('does not call a replica count a scaling decision within bounds asked for drift, and says what contradicts one it did not', async () => {
    const { owner, env } = await givenEnv();
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }]);
    // The scaling signals as health's events leave them in drift's read model: a policy of 1 to 5 replicas, a decision for 4.
    await t.asOwner(
      `INSERT INTO drift.scaling (environment_id, service, tenant_id, min_replicas, max_replicas, decision_id, desired_replicas, decided_at) VALUES ($1, 'checkout', $2, 1, 5, $3, 4, now())`,
      [env.id, owner.id, randomUUID()],
    );
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 4 }]);
    expect((await reconcile(env.id)).counts).toMatchObject({ open: 0, detected: 0, explained: 1 });
    expect(await unresolved(env.id)).toEqual([]);
    // Six replicas: outside the bounds and not what the decision asked for.
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 6 }]);
    expect((await reconcile(env.id)).counts).toMatchObject({ open: 1, detected: 1, explained: 0 });
    const [f] = await unresolved(env.id);
    expect(f).toMatchObject({ kind: 'replica-mismatch', desired: 2, actual: 6 });
    expect(f.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ signal: 'scaling-policy', says: 'contradicts', detail: 'the scaling policy allows 1 to 5 replicas' }),
        expect.objectContaining({ signal: 'scaling-decision', says: 'contradicts', detail: expect.stringContaining('asked for 4 replicas') }),
      ]),
    );
    // Back to what the decision asked for: explained, so the finding is resolved, saying so.
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 4 }]);
    expect((await reconcile(env.id)).counts).toMatchObject({ resolved: 1, explained: 1 });
    const [resolved] = await t.asOwner(`SELECT state, resolution FROM drift.findings WHERE id = $1`, [f.id]);
    expect(resolved).toMatchObject({ state: 'resolved', resolution: { how: expect.stringContaining('explained: ') } });
  });

  it('reconciles by itself after a change of the actual state (debounced), and resolves what went away', async () => {
    const { owner, env } = await givenEnv();
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }]);
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 2 }]);
    // The desired state alone brings a reconciliation (the schedule hands it out as a batch job on the worker leader).
    const [f] = await eventually(async () => {
      const rows = await unresolved(env.id);
      return rows.length ? rows : undefined;
    }, 15_000, 100, 'a finding from the desired state');
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:2.0.0', replicas: 2 }]);
    await eventually(async () => (await t.asOwner(`SELECT state FROM drift.findings WHERE id = $1`, [f.id]))[0].state === 'resolved', 15_000, 100, 'the finding resolved by a change');
    const completed = (await eventsOf(t, env.id, 'rcp.drift.reconciliation-completed')).map((e) => e.data as { trigger: string; counts: { resolved: number } });
    expect(completed.some((c) => c.trigger === 'change' && c.counts.resolved === 1)).toBe(true);
  });

  it('runs on schedule at each environment\'s interval with jitter, publishing only runs that found or resolved something', async () => {
    const { owner, env } = await givenEnv();
    await report(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }]);
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 2 }]);
    expect((await t.http().put(`/v1/environments/${env.id}/remediation-policy`).set(bearer(owner.admin)).send({ mode: 'manual', reconcileIntervalSeconds: 100 })).status).toBe(200);
    await eventually(async () => (await t.asOwner(`SELECT last_reconciled_at FROM drift.schedule WHERE environment_id = $1`, [env.id]))[0].last_reconciled_at, 15_000, 100, 'the first run');
    const [row] = await t.asOwner(`SELECT extract(epoch FROM next_at - last_reconciled_at)::float AS gap, interval_seconds FROM drift.schedule WHERE environment_id = $1`, [env.id]);
    expect(row.interval_seconds).toBe(100);
    expect(row.gap).toBeGreaterThanOrEqual(89);
    expect(row.gap).toBeLessThanOrEqual(111);
    // Its time comes: a quiet scheduled run moves the schedule on and publishes nothing.
    const before = (await eventsOf(t, env.id, 'rcp.drift.reconciliation-completed')).length;
    await t.asOwner(`UPDATE drift.schedule SET next_at = now() - interval '1 second', last_reconciled_at = NULL WHERE environment_id = $1`, [env.id]);
    expect(await t.app.get(DriftScheduler).handOut()).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await t.asOwner(`SELECT last_reconciled_at FROM drift.schedule WHERE environment_id = $1`, [env.id]))[0].last_reconciled_at, 15_000, 100, 'the scheduled run');
    expect((await eventsOf(t, env.id, 'rcp.drift.reconciliation-completed')).length).toBe(before);
    // With something to find, a scheduled run publishes its counts.
    await t.asOwner(`UPDATE drift.services SET image = 'registry.example/checkout:0.9.0' WHERE environment_id = $1`, [env.id]);
    await t.asOwner(`UPDATE drift.schedule SET next_at = now() - interval '1 second' WHERE environment_id = $1`, [env.id]);
    await t.app.get(DriftScheduler).handOut();
    const published = await eventually(async () => {
      const all = await eventsOf(t, env.id, 'rcp.drift.reconciliation-completed');
      return all.length > before ? all : undefined;
    }, 15_000, 100, 'a scheduled run that found drift');
    expect(published.at(-1)!.data).toMatchObject({ trigger: 'scheduled', counts: { detected: 1, open: 1 } });
  });

  it('never reconciles one environment twice at once: concurrent runs record one finding', async () => {
    const { owner, env } = await givenEnv();
    await report(owner, env.id, [{ name: 'cart', image: 'registry.example/cart:1.0.0', replicas: 1 }]);
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 1 }]);
    const runs = await Promise.all([reconcile(env.id), reconcile(env.id), reconcile(env.id), reconcile(env.id, 'scheduled')]);
    expect(runs.every((r) => r.reconciled)).toBe(true);
    expect((await unresolved(env.id)).map((f: { kind: string; service: string }) => `${f.service}:${f.kind}`)).toEqual(['checkout:missing-service', 'cart:unexpected-service']);
  });

  it('resolves the findings of a decommissioned environment', async () => {
    const { owner, env } = await givenEnv();
    await desire(owner, env.id, [{ name: 'checkout', image: 'registry.example/checkout:1.0.0', replicas: 1 }]);
    await reconcile(env.id);
    expect((await unresolved(env.id)).length).toBe(1);
    await t.asOwner(`UPDATE drift.environments SET state = 'decommissioned' WHERE environment_id = $1`, [env.id]);
    expect(await reconcile(env.id)).toMatchObject({ reconciled: false, reason: 'the environment is decommissioned' });
    expect(await unresolved(env.id)).toEqual([]);
    expect((await t.asOwner(`SELECT resolution FROM drift.findings WHERE environment_id = $1`, [env.id]))[0].resolution.how).toBe('environment decommissioned');
  });
});
