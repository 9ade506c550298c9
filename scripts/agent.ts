/**
 * `npm run agent`: the reference runtime agent. It enrolls once, keeps its agent key in a file only it
 * can read, exchanges the key for short-lived agent tokens (renewed before they expire), and reports the
 * actual state of its environment on an interval, read from a JSON file or from a command's output.
 *
 *   npm run agent -- --url https://rcp.example.com --enrollment-token rcpet_… --key-file /var/lib/rcp-agent/key \
 *                    --state-command 'kubectl-rcp-state' [--interval 30] [--once]
 *
 * Later starts need only `--key-file` (and `--url`). The enrollment token may come from the environment
 * instead (`RCP_ENROLLMENT_TOKEN`), which keeps it out of the process list. The key and tokens are never
 * printed: lines name the key by its prefix (`rcpak_<lookup>`).
 *
 * The state is `{ "services": [{ "name", "image", "replicas", "readyReplicas", "configChecksum" }] }`, as
 * `PUT /v1/environments/{id}/actual-state` takes it (`observedAt` is added at the time it is read).
 *
 * It depends on nothing but Node, so a team wiring its own runtime can read it in one sitting or copy
 * its protocol: redeem (`POST /v1/agent-enrollments/redeem`, the enrollment token as bearer), exchange
 * (`POST /v1/agent-tokens`, the key as bearer), report (the agent token as bearer).
 *
 * Exit codes: 0 after `--once` or on SIGINT/SIGTERM; 2 for usage; 3 when the control plane refuses the
 * enrollment token or the key for good (used, expired, revoked: enroll again); 1 otherwise.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run agent -- [--url <control plane>] (--enrollment-token <rcpet_…> | an existing --key-file)
                      [--key-file <path>] (--state-file <path.json> | --state-command <command>)
                      [--interval <seconds>] [--once]`;

class UsageError extends Error {}
/** The control plane refused the credential for good: retrying cannot help. */
class CredentialRefused extends Error {}

interface Options {
  url: string;
  enrollmentToken?: string;
  keyFile: string;
  stateFile?: string;
  stateCommand?: string;
  intervalMs: number;
  once: boolean;
}

interface AgentToken {
  token: string;
  expiresAt: number;
  lifetimeMs: number;
  environmentId: string;
}

const MAX_BACKOFF_MS = 300_000;
const REQUEST_TIMEOUT_MS = 10_000;

const log = (msg: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), context: 'agent', msg, ...fields })}\n`);

/** The public part of a credential: `rcpak_<lookup>`. */
const prefixOf = (credential: string) => credential.split('_').slice(0, 2).join('_');

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      'enrollment-token': { type: 'string' },
      'key-file': { type: 'string' },
      'state-file': { type: 'string' },
      'state-command': { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values['state-file'] === !values['state-command']) throw new UsageError('give one of --state-file and --state-command');
  const interval = Number(values.interval ?? '30');
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600) throw new UsageError('--interval is a number of seconds from 1 to 3600');
  const url = (values.url ?? process.env.RCP_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url ${url} is not a URL`);
  }
  return {
    url,
    enrollmentToken: values['enrollment-token'] ?? process.env.RCP_ENROLLMENT_TOKEN,
    keyFile: resolve(values['key-file'] ?? '.rcp/agent-key'),
    stateFile: values['state-file'],
    stateCommand: values['state-command'],
    intervalMs: interval * 1000,
    once: values.once ?? false,
  };
}

async function call(url: string, path: string, init: { method: string; bearer: string; body?: unknown }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method,
    headers: { authorization: `Bearer ${init.bearer}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    redirect: 'error',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { detail: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

/** The key from the key file, refusing a file that others may read (it is as good as a password). */
function readKey(file: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return undefined;
  }
  if (mode & 0o077) throw new UsageError(`${file} may be read by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  const key = readFileSync(file, 'utf8').trim();
  if (!/^rcpak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/.test(key)) throw new UsageError(`${file} does not hold an agent key`);
  return key;
}

/** Redeems the enrollment token once and keeps the key, readable by this user only. */
async function enroll(opts: Options): Promise<string> {
  if (!opts.enrollmentToken) throw new UsageError(`no agent key in ${opts.keyFile}: give --enrollment-token (or RCP_ENROLLMENT_TOKEN) once to enroll`);
  const res = await call(opts.url, '/v1/agent-enrollments/redeem', { method: 'POST', bearer: opts.enrollmentToken });
  if (res.status === 401 || res.status === 403 || res.status === 409) throw new CredentialRefused(`enrollment refused (${res.status}): ${String(res.body.detail ?? '')}`);
  if (res.status !== 201 || typeof res.body.key !== 'string') throw new Error(`enrollment failed (${res.status}): ${String(res.body.detail ?? '')}`);
  mkdirSync(dirname(opts.keyFile), { recursive: true, mode: 0o700 });
  writeFileSync(opts.keyFile, `${res.body.key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(opts.keyFile, 0o600);
  log('enrolled', { key: res.body.prefix, environmentId: res.body.environmentId, capabilities: res.body.capabilities, keyFile: opts.keyFile });
  return res.body.key;
}

async function exchange(opts: Options, key: string): Promise<AgentToken> {
  const res = await call(opts.url, '/v1/agent-tokens', { method: 'POST', bearer: key });
  if (res.status === 401 || res.status === 403) throw new CredentialRefused(`agent key ${prefixOf(key)} refused (${res.status}): ${String(res.body.detail ?? '')}`);
  if (res.status !== 200 || typeof res.body.token !== 'string') throw new Error(`token exchange failed (${res.status}): ${String(res.body.detail ?? '')}`);
  const expiresAt = Date.parse(String(res.body.expiresAt));
  log('token issued', { key: prefixOf(key), expiresAt: res.body.expiresAt });
  return { token: res.body.token, expiresAt, lifetimeMs: Number(res.body.expiresIn) * 1000, environmentId: String(res.body.environmentId) };
}

function readState(opts: Options): Promise<{ services: unknown[] }> {
  const parse = (text: string, from: string) => {
    const state = JSON.parse(text) as { services?: unknown };
    if (!state || !Array.isArray(state.services)) throw new Error(`${from} does not hold { "services": [...] }`);
    return { services: state.services };
  };
  if (opts.stateFile) return Promise.resolve(parse(readFileSync(opts.stateFile, 'utf8'), opts.stateFile));
  return new Promise((ok, fail) => {
    execFile('/bin/sh', ['-c', opts.stateCommand!], { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      if (err) return fail(new Error(`--state-command failed: ${err.message}`));
      try {
        ok(parse(stdout, '--state-command output'));
      } catch (e) {
        fail(e);
      }
    });
  });
}

/** The interval, give or take a tenth, so a fleet started together does not report in lockstep. */
const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const key = readKey(opts.keyFile) ?? (await enroll(opts));
  let token: AgentToken | undefined;
  let failures = 0;
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  while (!stopping) {
    try {
      // Renew once a fifth of the lifetime is left, or when the control plane no longer takes the token.
      if (!token || token.expiresAt - Date.now() < token.lifetimeMs / 5) token = await exchange(opts, key);
      const state = await readState(opts);
      const res = await call(opts.url, `/v1/environments/${token.environmentId}/actual-state`, {
        method: 'PUT',
        bearer: token.token,
        body: { observedAt: new Date().toISOString(), services: state.services },
      });
      if (res.status === 401) {
        token = undefined;
        throw new Error(`report refused (401): ${String(res.body.detail ?? '')}`);
      }
      if (res.status !== 200) throw new Error(`report refused (${res.status}): ${String(res.body.detail ?? '')}`);
      log('reported', { services: state.services.length, applied: res.body.applied, changed: res.body.changed });
      failures = 0;
      if (opts.once) return 0;
    } catch (err) {
      if (err instanceof CredentialRefused || err instanceof UsageError) throw err;
      failures++;
      log('report failed', { error: (err as Error).message, attempt: failures });
      if (opts.once && failures >= 3) return 1;
    }
    const delay = failures === 0 ? jittered(opts.intervalMs) : jittered(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 9)));
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, delay);
    });
  }
  log('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`agent: ${err.message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
    process.exit(err instanceof UsageError ? 2 : err instanceof CredentialRefused ? 3 : 1);
  },
);
