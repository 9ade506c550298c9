import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { jwtSecretProblem, Settings, SettingsError } from './settings';

/** Where the HS256 secret of a process came from. */
export type JwtSecretSource = 'setting' | 'jwks' | 'file' | 'generated';

export interface ResolvedJwtSecret {
  /** The settings with `JWT_SECRET` filled in (unchanged when it was set or JWKS is used). */
  settings: Settings;
  source: JwtSecretSource;
  /** The absolute path of the secret file, when the secret came from it. */
  file?: string;
}

/**
 * Gives the process its HS256 secret. There is no default secret: with neither `JWT_SECRET` nor
 * `JWT_JWKS_URI` set, the secret lives in `JWT_SECRET_FILE` (relative to `cwd`), written with 32 random
 * bytes on first use (directory 0700, file 0600) and read on every later start; `npm run token` calls
 * this too, so the tokens it prints are the ones this machine's server accepts, and nobody else can
 * mint them. Concurrent first starts (an api and a worker on one volume) agree: the file appears
 * atomically (hard link of a complete temporary file), and the loser reads the winner's secret. A file
 * whose content is weak (see {@link jwtSecretProblem}) is refused like a weak `JWT_SECRET`.
 */
export function resolveJwtSecret(settings: Settings, cwd: string = process.cwd()): ResolvedJwtSecret {
  if (settings.JWT_SECRET) return { settings, source: 'setting' };
  if (settings.JWT_JWKS_URI) return { settings, source: 'jwks' };
  const file = resolve(cwd, settings.JWT_SECRET_FILE);
  let source: JwtSecretSource = 'file';
  let text = readIfPresent(file);
  if (text === undefined) {
    if (createSecretFile(file)) source = 'generated';
    text = readIfPresent(file) ?? '';
  }
  const secret = text.trim();
  const problem = jwtSecretProblem(secret);
  if (problem) throw new SettingsError(`Invalid JWT secret in ${file} (JWT_SECRET_FILE): it ${problem}; delete the file to have a random one generated`);
  return { settings: { ...settings, JWT_SECRET: secret }, source, file };
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SettingsError(`Cannot read the JWT secret file ${file} (JWT_SECRET_FILE): ${(err as Error).message}`);
  }
}

/** Writes a random secret to `file` unless it exists; true when this call created it. */
function createSecretFile(file: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('base64url')}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } catch (err) {
    throw new SettingsError(
      `Cannot create the JWT secret file ${file} (JWT_SECRET_FILE): ${(err as Error).message}; set JWT_SECRET, JWT_JWKS_URI or a writable JWT_SECRET_FILE`,
    );
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written */
    }
  }
}
