import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ENV_EXAMPLE_FILE, README_FILE, renderEnvExample, renderSettingsTable } from './env-example';
import { loadSettings, SETTINGS } from './settings';

describe('.env.example', () => {
  const committed = readFileSync(join(__dirname, '..', '..', '..', ENV_EXAMPLE_FILE), 'utf8');

  it('is exactly what SETTINGS generates (run `npm run env:example` after changing a setting)', () => {
    expect(committed).toBe(renderEnvExample());
  });

  it('lists every setting once, with its default, and is accepted by the server as it is', () => {
    const parsed = parse(committed);
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const [name, spec] of Object.entries(SETTINGS)) expect(parsed[name]).toBe(spec.default);
    expect(() => loadSettings(parsed)).not.toThrow();
  });

  it('describes every setting on the line above it', () => {
    const lines = committed.split('\n');
    for (const [name, spec] of Object.entries(SETTINGS)) {
      const at = lines.indexOf(`${name}=${spec.default}`);
      expect(lines[at - 1]).toBe(`# ${spec.description}`);
    }
  });

  it('matches the configuration table of the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', README_FILE), 'utf8');
    expect(readme).toContain(renderSettingsTable());
  });
});
