import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The application transpiled to JavaScript once per change of the sources, so each fault-test process
 * starts in a few seconds instead of having ts-node transpile ~200 files again (20 s on a busy 2-core
 * machine). Same transpilation as `ts-node --transpile-only` (per file, the project's compiler options);
 * `@rcp/*` paths are resolved by tsconfig-paths with a tsconfig.json written next to the output. The
 * output lives in the OS temp directory under a hash of the sources; older outputs are removed.
 * Set FAULT_TS_NODE=1 to run the processes through ts-node instead.
 */

const ROOT = resolve(__dirname, '../../..');
const SOURCE_DIRS = ['src', 'libs', 'migrations', 'test/faults', 'test/support'];
const CACHE = join(tmpdir(), 'rcp-fault-build');

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !/\.(spec|int-spec|e2e-spec|fault-spec)\.ts$/.test(entry.name)) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  return out.sort();
}

let built: string | undefined;

/** Transpiles the application (if its sources changed since the last build) and returns the output directory. */
export function ensureBuild(): string {
  if (built) return built;
  const files = sources();
  const hash = createHash('sha256');
  hash.update(readFileSync(join(ROOT, 'tsconfig.json')));
  hash.update(ts.version);
  for (const f of files) {
    const s = statSync(f);
    hash.update(`${relative(ROOT, f)}:${s.size}:${s.mtimeMs}\n`);
  }
  const key = hash.digest('hex').slice(0, 16);
  const outDir = join(CACHE, key);
  if (existsSync(join(outDir, '.complete'))) return (built = outDir);

  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, inlineSourceMap: true, sourceMap: false, declaration: false, incremental: false, noEmit: false };
  const staging = `${outDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  for (const f of files) {
    const rel = relative(ROOT, f);
    const result = ts.transpileModule(readFileSync(f, 'utf8'), { compilerOptions: options, fileName: f });
    const target = join(staging, rel.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, result.outputText);
  }
  copyFileSync(join(ROOT, 'package.json'), join(staging, 'package.json'));
  writeFileSync(join(staging, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: config.config.compilerOptions.paths } }));
  symlinkSync(join(ROOT, 'node_modules'), join(staging, 'node_modules'), 'dir');
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  try {
    renameSync(staging, outDir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another jest worker built the same sources meanwhile
  }
  // Keep the cache small: drop builds of other source versions that are older than an hour.
  for (const old of readdirSync(CACHE)) {
    const p = join(CACHE, old);
    if (p !== outDir && Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
  }
  return (built = outDir);
}
