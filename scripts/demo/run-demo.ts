/**
 * `npm run demo`: runs the product end to end ({@link runDemo}, scripts/demo/scenario.ts) against a
 * control plane that is already running (`npm start` in another terminal) at `RCP_URL` (default
 * http://127.0.0.1:3000), with tokens it mints itself: signed like `npm run token` signs them (JWT_SECRET,
 * or the secret `npm start` keeps in JWT_SECRET_FILE; JWT_ISSUER, JWT_AUDIENCE; from the environment or
 * `.env`). The control plane must allow what the demo does locally:
 *
 *   WEBHOOK_ALLOW_PRIVATE_TARGETS=true                        the receiver listens on 127.0.0.1 (http)
 *   SECRETS_INLINE_ALLOWED=true SECRETS_MASTER_KEY=demo:<…>  the secret is bound inline (no vault needed)
 *
 * Exit code 0 when every step reached its expected state in time, 1 when one did not, 78 for a setting
 * problem on this side (no usable JWT secret).
 */
import { config as loadDotenv } from 'dotenv';
import createClient from 'openapi-fetch';
import { signLocalToken } from '@rcp/auth';
import { loadSettings, resolveJwtSecret, SettingsError } from '@rcp/config';
import type { paths } from './rcp-api';
import { DemoError, runDemo } from './scenario';

const START_HINT =
  'WEBHOOK_ALLOW_PRIVATE_TARGETS=true SECRETS_INLINE_ALLOWED=true SECRETS_MASTER_KEY=demo:$(node -p "require(\'crypto\').randomBytes(32).toString(\'base64\')") npm start';

async function main(): Promise<number> {
  loadDotenv({ quiet: true } as never);
  const baseUrl = (process.env.RCP_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const loaded = loadSettings();
  if (loaded.JWT_JWKS_URI) process.stderr.write('demo: note JWT_JWKS_URI is set, so the server verifies RS256 tokens and will refuse the demo\'s HS256 ones\n');
  const settings = resolveJwtSecret({ ...loaded, JWT_JWKS_URI: '' }).settings;

  // Is anything there, and ready?
  const ops = createClient<paths>({ baseUrl });
  const ready = await ops.GET('/readyz').catch((err: Error) => err);
  if (ready instanceof Error) {
    process.stderr.write(`demo: no control plane answers at ${baseUrl} (${ready.message}). Start one in another terminal:\n  ${START_HINT}\nor point RCP_URL at it.\n`);
    return 1;
  }
  const readiness = ready.data ?? ready.error;
  if (!ready.data) {
    process.stderr.write(`demo: ${baseUrl} is not ready (${ready.response.status}: ${JSON.stringify(readiness)})\n`);
    return 1;
  }
  const version = await ops.GET('/version');
  process.stdout.write(
    `Runtime Control Plane demo against ${baseUrl} (${version.data ? `version ${version.data.version}, commit ${version.data.commit}, role ${version.data.role}` : 'version unknown'}; ${Object.entries(ready.data.checks).map(([k, v]) => `${k} ${v}`).join(', ')})\n`,
  );

  try {
    await runDemo({
      baseUrl,
      mint: (spec) => signLocalToken(spec, settings.JWT_SECRET, settings.JWT_ISSUER, settings.JWT_AUDIENCE),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    return 0;
  } catch (err) {
    if (!(err instanceof DemoError)) throw err;
    process.stderr.write(`\n✘ demo failed at "${err.step}": ${err.message}\n`);
    if (err.hint) process.stderr.write(`  → ${err.hint}\n${err.hint.includes('npm start') ? `  e.g. ${START_HINT}\n` : ''}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo: ${err instanceof SettingsError ? err.message : (err.stack ?? err.message)}\n`);
    process.exit(err instanceof SettingsError ? 78 : 1);
  },
);
