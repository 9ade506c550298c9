import { SETTINGS } from './settings';

/** Where the generated example lives, relative to the repository root. */
export const ENV_EXAMPLE_FILE = '.env.example';

/**
 * The text of `.env.example`: every setting of {@link SETTINGS} in declaration order, with its
 * description and its default, so the example can never disagree with what the server accepts.
 * Regenerate with `npm run env:example`; a unit test fails when the committed file is out of date.
 */
export function renderEnvExample(): string {
  const lines = [
    '# Runtime Control Plane settings: every setting, its default and what it does.',
    '# Copy to .env and change what you need; unset settings take the default shown here.',
    '# Generated from libs/config/src/settings.ts by `npm run env:example`; do not edit by hand.',
  ];
  for (const [name, spec] of Object.entries(SETTINGS)) {
    if (/[\r\n]/.test(spec.description) || /[\r\n]/.test(spec.default)) throw new Error(`Setting ${name}: description and default must be one line`);
    lines.push('', `# ${spec.description}`, `${name}=${spec.default}`);
  }
  return lines.join('\n') + '\n';
}
