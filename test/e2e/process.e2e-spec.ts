import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { SETTINGS } from '@rcp/config';
import { createTestDatabase, eventually, testRedisPrefix } from '@rcp/testing';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
/** The HS256 secret this project once printed in .env.example as its default. */
const OLD_PUBLISHED_SECRET = 'rcp-local-development-secret-change-me';

/** Every pid below `pid` (Linux `ps`), deepest last. */
function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (all.push(c), walk(c)));
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** `npm start` as a user runs it: a real npm process on its own database and Redis prefix, no `.env`, no JWT settings. */
function npmStart() {
  const started = { npm: undefined as ChildProcess | undefined, tree: [] as number[], port: 0, output: '', stateDir: '', env: {} as NodeJS.ProcessEnv };
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    started.stateDir = mkdtempSync(join(tmpdir(), 'rcp-process-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in SETTINGS)));
    started.env = Object.assign(env, {
      DATABASE_URL: db.url,
      REDIS_PREFIX: testRedisPrefix(),
      PORT: '0',
      LOG_LEVEL: 'warn',
      JWT_SECRET_FILE: join(started.stateDir, 'state', 'jwt-secret'),
    });
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.npm = npm;
    npm.stdout!.on('data', (d: Buffer) => (started.output += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (started.output += d.toString()));
    started.port = await eventually(async () => Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(started.output)?.[1]) || undefined, 90_000, 100).catch((err) => {
      throw new Error(`${(err as Error).message}\n${started.output}`);
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${started.port}/readyz`)).ok, 30_000, 100);
    started.tree = descendants(npm.pid!);
  });

  afterAll(async () => {
    // Whatever this test started and is still running (also when start-up failed half-way).
    const pid = started.npm?.pid;
    const all = pid ? [pid, ...new Set([...started.tree, ...descendants(pid)])] : started.tree;
    for (const p of all.reverse()) if (alive(p)) process.kill(p, 'SIGKILL');
    if (started.stateDir) rmSync(started.stateDir, { recursive: true, force: true });
    await dropDb?.();
  });

  return started;
}

/**
 * Proves what only a real process can show: the secret file, and that a SIGTERM to npm (what a
 * supervisor or `kill` sends) stops the server. The stop gets a process of its own, so no test needs
 * the server another test stopped, or one it left running.
 */
describe('npm start as a process (e2e)', () => {
  describe('serving', () => {
    const p = npmStart();
    const get = (path: string, token: string) => fetch(`http://127.0.0.1:${p.port}${path}`, { headers: { authorization: `Bearer ${token}` } });

    it('listens on loopback only and keeps a generated secret in JWT_SECRET_FILE (0600), never a published default', async () => {
      expect(p.output).toContain(`listening on http://127.0.0.1:${p.port}`);
      const file = join(p.stateDir, 'state', 'jwt-secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);

      const forged = jwt.sign({ roles: ['platform:admin'] }, OLD_PUBLISHED_SECRET, { algorithm: 'HS256', subject: 'mallory', issuer: 'rcp', audience: 'rcp-api', expiresIn: 300 });
      const res = await get('/v1/jobs', forged);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
    });

    it('accepts the token `npm run -s token` prints from the same secret file (the README walkthrough)', async () => {
      const out = spawnSync('npm', ['run', '-s', 'token', '--', '--role', 'platform:admin', '--sub', 'ops@example.com'], { cwd: ROOT, env: p.env, encoding: 'utf8' });
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect((await get('/v1/jobs', out.stdout.trim())).status).toBe(200);
    });
  });

  describe('stopping', () => {
    const p = npmStart();

    it('stops the server when only the npm process gets SIGTERM', async () => {
      const { npm, tree, port } = p;
      expect(tree.length).toBeGreaterThan(0);
      const exited = new Promise<number | null>((resolve) => npm!.once('exit', (code) => resolve(code)));
      process.kill(npm!.pid!, 'SIGTERM');
      const bound = Date.now() + 30_000;
      await eventually(async () => !(await listening(port)), 30_000, 100);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('npm did not exit')), bound - Date.now())))]).finally(() =>
        clearTimeout(timer),
      );
      await eventually(async () => tree.every((pid) => !alive(pid)), Math.max(bound - Date.now(), 1_000), 100).catch(() => {
        throw new Error(`still running after SIGTERM to npm: ${tree.filter(alive).join(', ')}`);
      });
      expect(await listening(port)).toBe(false);
    });
  });
});
