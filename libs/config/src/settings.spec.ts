import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveJwtSecret } from './jwt-secret';
import { loadSettings, SettingsError } from './settings';

const STRONG = 'k3J9-vQ2xLp7Wm4Zt8Rb1Nc6Hd5Fg0Ys';

describe('settings that protect tokens', () => {
  it('has no default JWT secret, and binds this machine only by default', () => {
    const s = loadSettings({});
    expect(s.JWT_SECRET).toBe('');
    expect(s.HOST).toBe('127.0.0.1');
  });

  it.each([
    ['the secret this project once published as its default', 'rcp-local-development-secret-change-me', /published/],
    ['32 identical characters', 'a'.repeat(32), /different characters/],
    ['a short repeated pattern', 'abcd'.repeat(10), /different characters/],
    ['fewer than 32 characters', 'Zx8!qW3#eR5$tY7^uI9&oP1', /at least 32/],
  ])('refuses %s as JWT_SECRET in every NODE_ENV', (_, secret, reason) => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(() => loadSettings({ NODE_ENV, JWT_SECRET: secret })).toThrow(SettingsError);
      expect(() => loadSettings({ NODE_ENV, JWT_SECRET: secret })).toThrow(reason);
    }
  });

  it('never echoes a refused secret (JWT_SECRET, AGENT_TOKEN_SECRET)', () => {
    for (const name of ['JWT_SECRET', 'AGENT_TOKEN_SECRET']) {
      let message = '';
      try {
        loadSettings({ [name]: 'short-but-secret-value' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`${name} (value not shown)`);
      expect(message).not.toContain('short-but-secret-value');
    }
  });

  it('refuses agent tokens that would live longer than any token may', () => {
    expect(() => loadSettings({ AGENT_TOKEN_TTL_SECONDS: '1200', JWT_MAX_TTL_SECONDS: '900' })).toThrow(/AGENT_TOKEN_TTL_SECONDS=1200: longer than JWT_MAX_TTL_SECONDS \(900\)/);
    expect(loadSettings({ AGENT_TOKEN_TTL_SECONDS: '900', JWT_MAX_TTL_SECONDS: '900' }).AGENT_TOKEN_TTL_SECONDS).toBe(900);
  });

  it('accepts a strong secret', () => {
    expect(loadSettings({ JWT_SECRET: STRONG }).JWT_SECRET).toBe(STRONG);
  });

  it.each(['prod', 'Production', 'staging', ''])('refuses NODE_ENV=%j', (NODE_ENV) => {
    expect(() => loadSettings({ NODE_ENV })).toThrow(/NODE_ENV.*must be one of development, test, production/);
  });

  it.each(['JWT_ISSUER', 'JWT_AUDIENCE'])('refuses an empty %s (it would switch the check off)', (name) => {
    expect(() => loadSettings({ [name]: '' })).toThrow(new RegExp(`${name}="": is required`));
    expect(() => loadSettings({ [name]: '   ' })).toThrow(new RegExp(`${name}=.*is required`));
  });

  it('caps token lifetime at one day by default, configurable', () => {
    expect(loadSettings({}).JWT_MAX_TTL_SECONDS).toBe(86400);
    expect(loadSettings({ JWT_MAX_TTL_SECONDS: '3600' }).JWT_MAX_TTL_SECONDS).toBe(3600);
    expect(() => loadSettings({ JWT_MAX_TTL_SECONDS: '0' })).toThrow(/JWT_MAX_TTL_SECONDS/);
  });

  it.each(['http://idp.example.com/.well-known/jwks.json', 'http://10.0.0.5/jwks', 'ftp://idp.example.com/jwks'])('refuses the JWKS at %s (not https)', (uri) => {
    expect(() => loadSettings({ JWT_JWKS_URI: uri })).toThrow(/JWT_JWKS_URI.*https/);
  });

  it.each(['https://idp.example.com/.well-known/jwks.json', 'http://127.0.0.1:8080/jwks.json', 'http://localhost/jwks', 'http://[::1]:9000/jwks'])(
    'accepts the JWKS at %s',
    (uri) => {
      expect(loadSettings({ JWT_JWKS_URI: uri }).JWT_JWKS_URI).toBe(uri);
    },
  );
});

describe('database time limits', () => {
  it('defaults to a 30 s statement and a 60 s idle-in-transaction limit', () => {
    const s = loadSettings({});
    expect([s.DB_STATEMENT_TIMEOUT_MS, s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS]).toEqual([30000, 60000]);
  });

  it('refuses an idle-in-transaction limit that an executor call inside a job\'s transaction could exceed', () => {
    expect(() => loadSettings({ DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000', EXECUTOR_TIMEOUT_MS: '10000' })).toThrow(/DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=10000: must exceed EXECUTOR_TIMEOUT_MS/);
    expect(loadSettings({ DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0', EXECUTOR_TIMEOUT_MS: '10000' }).DB_IDLE_IN_TRANSACTION_TIMEOUT_MS).toBe(0);
  });
});

describe('resolveJwtSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcp-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a random secret into JWT_SECRET_FILE on first use (0600 in a 0700 directory) and reuses it', () => {
    const first = resolveJwtSecret(loadSettings({}), dir);
    const file = join(dir, '.rcp', 'jwt-secret');
    expect(first).toMatchObject({ source: 'generated', file });
    expect(first.settings.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.settings.JWT_SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.rcp')).mode & 0o777).toBe(0o700);

    const again = resolveJwtSecret(loadSettings({}), dir);
    expect(again).toMatchObject({ source: 'file', file });
    expect(again.settings.JWT_SECRET).toBe(first.settings.JWT_SECRET);
    expect(resolveJwtSecret(loadSettings({}), mkdtempSync(join(tmpdir(), 'rcp-secret-'))).settings.JWT_SECRET).not.toBe(first.settings.JWT_SECRET);
  });

  it('leaves an explicit JWT_SECRET or a JWKS alone and writes no file', () => {
    expect(resolveJwtSecret(loadSettings({ JWT_SECRET: STRONG }), dir)).toMatchObject({ source: 'setting', settings: { JWT_SECRET: STRONG } });
    expect(resolveJwtSecret(loadSettings({ JWT_JWKS_URI: 'https://idp.example.com/jwks' }), dir).source).toBe('jwks');
    expect(existsSync(join(dir, '.rcp'))).toBe(false);
  });

  it('refuses a secret file holding a weak or published secret', () => {
    const file = join(dir, 'weak');
    writeFileSync(file, 'rcp-local-development-secret-change-me\n', { mode: 0o600 });
    expect(() => resolveJwtSecret(loadSettings({ JWT_SECRET_FILE: file }), dir)).toThrow(/published/);
    writeFileSync(file, `${'x'.repeat(40)}\n`);
    expect(() => resolveJwtSecret(loadSettings({ JWT_SECRET_FILE: file }), dir)).toThrow(SettingsError);
  });

  it('says which setting to change when the file cannot be written', () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    expect(() => resolveJwtSecret(loadSettings({ JWT_SECRET_FILE: 'not-a-dir/jwt-secret' }), dir)).toThrow(/JWT_SECRET_FILE/);
  });
});
