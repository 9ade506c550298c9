/**
 * `npm run env:example` — writes `.env.example` from the settings table (libs/config/src/settings.ts).
 * `npm run env:example -- --check` exits 1 when the committed file is out of date (what the unit test
 * libs/config/src/env-example.spec.ts also checks).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_EXAMPLE_FILE, README_FILE, renderEnvExample, withSettingsTable } from '../libs/config/src/env-example';

const file = join(__dirname, '..', ENV_EXAMPLE_FILE);
const text = renderEnvExample();
const readmeFile = join(__dirname, '..', README_FILE);
const readme = readFileSync(readmeFile, 'utf8');
const readmeText = withSettingsTable(readme);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    /* missing counts as out of date */
  }
  if (current !== text || readme !== readmeText) {
    process.stderr.write(`${ENV_EXAMPLE_FILE} or the ${README_FILE} configuration table is out of date: run npm run env:example\n`);
    process.exit(1);
  }
  process.stdout.write(`${ENV_EXAMPLE_FILE} is up to date\n`);
} else {
  writeFileSync(file, text);
  writeFileSync(readmeFile, readmeText);
  process.stdout.write(`wrote ${ENV_EXAMPLE_FILE} (${text.split('\n').filter((l) => /^[A-Z]/.test(l)).length} settings)\n`);
}
