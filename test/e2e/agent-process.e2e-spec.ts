import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delivered, eventually, freePort, givenReadyEnvironment, givenTenant, GivenTenant, startTestApp } from '@rcp/testing';

type App = Awaited<ReturnType<typeof startTestApp>>;

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** `npm run agent` as its own process (node directly, so a signal reaches the agent and not npm). */
function runAgent(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/agent.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/**
 * The reference agent, started as a separate process against a listening control plane: it enrolls with a
 * one-time token, keeps its key in a 0600 file, exchanges it for agent tokens and reports the actual state
 * read from a file; restarted with the key file alone it reports again; once its key is revoked it stops.
 */
describe('the reference agent (npm run agent), as a process', () => {
  let t: App;
  let url: string;
  let owner: GivenTenant;
  let envId: string;
  let dir: string;
  const running: ChildProcess[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const services = async () => (await t.http().get(`/v1/environments/${envId}/services`).set(bearer(owner.viewer))).body.items as Array<{ name: string; image: string }>;
  const writeState = (image: string) =>
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({
        services: [
          { name: 'web', image, replicas: 2, readyReplicas: 2, configChecksum: null },
          { name: 'worker', image: 'registry.example/worker:1.0.0', replicas: 1, readyReplicas: 1, configChecksum: null },
        ],
      }),
    );

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ RELAY_IDLE_MAX_MS: '50', DELIVERY_BACKOFF_BASE_MS: '10', SIMULATED_READY_STEP_MS: '20', SIMULATED_LATENCY_MS: '20' });
    await t.app.listen(port, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
    owner = await givenTenant(t);
    envId = (await givenReadyEnvironment(t, owner)).id;
    await delivered(t, envId);
    dir = mkdtempSync(join(tmpdir(), 'rcp-agent-'));
  });
  afterAll(async () => {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('enrolls, reports on an interval, renews nothing it need not, stops cleanly, reports again from its key file, and stops for good once revoked', async () => {
    const enrollment = await t.http().post(`/v1/environments/${envId}/agent-enrollments`).set(bearer(owner.admin)).send({ capabilities: ['report:actual-state'] });
    expect(enrollment.status).toBe(201);
    writeState('registry.example/web:1.0.0');
    const keyFile = join(dir, 'keys', 'agent.key');

    const agent = runAgent(['--url', url, '--key-file', keyFile, '--state-file', join(dir, 'state.json'), '--interval', '1'], { RCP_ENROLLMENT_TOKEN: enrollment.body.token });
    running.push(agent.child);
    await eventually(async () => (await services()).length === 2, 20_000, 100, 'the agent\'s first report');
    expect((statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^rcpak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    writeState('registry.example/web:1.1.0');
    await eventually(async () => (await services()).find((s) => s.name === 'web')?.image === 'registry.example/web:1.1.0', 20_000, 100, 'the agent\'s later report').catch((e: Error) => { throw new Error(`${e.message}\n${agent.out()}${agent.err()}`); });
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const lines = agent.out().trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['enrolled', 'token issued', 'reported', 'stopped']));
    expect(lines.filter((l) => l.msg === 'token issued')).toHaveLength(1); // one token serves every report of its lifetime
    expect(agent.out() + agent.err()).not.toContain(key.slice(-43));
    expect(agent.out() + agent.err()).not.toContain(enrollment.body.token.slice(-43));

    // A restart needs its key file only (the enrollment token is spent).
    const again = runAgent(['--url', url, '--key-file', keyFile, '--state-file', join(dir, 'state.json'), '--once']);
    running.push(again.child);
    expect(await again.exited).toBe(0);
    expect(again.out()).toContain('"msg":"reported"');

    // Revoked: the agent says so and stops with its own exit code.
    const [keyRow] = (await t.http().get(`/v1/environments/${envId}/agent-keys`).set(bearer(owner.admin))).body.items;
    expect(keyRow.lastUsedAt).toEqual(expect.any(String));
    expect((await t.http().delete(`/v1/environments/${envId}/agent-keys/${keyRow.id}`).set(bearer(owner.admin))).status).toBe(200);
    const revoked = runAgent(['--url', url, '--key-file', keyFile, '--state-file', join(dir, 'state.json'), '--once']);
    running.push(revoked.child);
    expect(await revoked.exited).toBe(3);
    expect(revoked.err()).toMatch(/revoked/);
  });

  it('refuses a key file others may read, and a spent enrollment token', async () => {
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, `rcpak_0123456789abcdef_${'A'.repeat(43)}\n`, { mode: 0o644 });
    const run = runAgent(['--url', url, '--key-file', loose, '--state-file', join(dir, 'state.json'), '--once']);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('chmod 600');

    const enrollment = await t.http().post(`/v1/environments/${envId}/agent-enrollments`).set(bearer(owner.admin)).send({});
    expect((await t.http().post('/v1/agent-enrollments/redeem').set(bearer(enrollment.body.token)).send()).status).toBe(201);
    const spent = runAgent(['--url', url, '--enrollment-token', enrollment.body.token, '--key-file', join(dir, 'spent.key'), '--state-file', join(dir, 'state.json'), '--once']);
    expect(await spent.exited).toBe(3);
    expect(spent.err()).toContain('already used');
  });
});
