import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CONTEXTS = join(ROOT, 'src', 'contexts');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}

/** The conventions of the contexts' HTTP edge that the compiler alone does not hold. */
describe('HTTP conventions of the contexts', () => {
  it('every response class implements the view it documents, so the document cannot drift from what the API answers', () => {
    const loose: string[] = [];
    for (const file of filesUnder(CONTEXTS, '.response.ts')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/export class (\w+)([^{]*)\{/g)) {
        if (!/\bimplements\b/.test(m[2])) loose.push(`${relative(ROOT, file)}: ${m[1]}`);
      }
    }
    expect(loose).toEqual([]);
  });

  it('every `:id` path parameter goes through UuidParam, and no repository checks ids itself', () => {
    const unchecked: string[] = [];
    for (const file of filesUnder(CONTEXTS, '.controller.ts')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/@Param\('id'([^)]*)\)/g)) {
        if (!/\bUuidParam\b/.test(m[1])) unchecked.push(relative(ROOT, file));
      }
    }
    expect(unchecked).toEqual([]);
    const repositories = filesUnder(CONTEXTS, '.ts').filter((f) => f.includes(`${join('infrastructure', '')}`) && /isUuid|UUID\.test/.test(readFileSync(f, 'utf8')));
    expect(repositories.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
