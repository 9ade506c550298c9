import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's event catalogue summary names every event type of the committed AsyncAPI document, and no other. */
describe('README event catalogue', () => {
  const root = join(__dirname, '..', '..');
  const asyncapi = JSON.parse(readFileSync(join(root, 'docs', 'asyncapi.json'), 'utf8')) as { channels: Record<string, { address: string }> };
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Event catalogue'), readme.indexOf('## Architecture'));
  const listed = new Set<string>();
  for (const row of section.split('\n').filter((l) => /^\| [a-z]+ \| `/.test(l))) {
    const [, context, names] = row.split('|').map((c) => c.trim());
    for (const m of names.matchAll(/`([a-z-]+)`/g)) listed.add(`rcp.${context}.${m[1]}.v1`);
  }

  it('lists every type of docs/asyncapi.json under its context, and nothing else', () => {
    const types = Object.values(asyncapi.channels).map((c) => c.address).sort();
    expect(types.length).toBeGreaterThan(40);
    expect([...listed].sort()).toEqual(types);
  });
});
