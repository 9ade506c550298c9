/**
 * `npm run lint:openapi`: builds the OpenAPI document of the whole application exactly as `/docs-json`
 * serves it (same module graph, same `buildOpenApi`), without a database or Redis, and lints it with
 * Spectral (`.spectral.yaml`, `spectral:oas`). Fails on any error, when an endpoint of any controller
 * is missing from the document, and on drift ({@link findOpenApiDrift}: an operational endpoint missing,
 * a response without a description, a count typed `number`, an undocumented 400).
 *
 * The app is created in Nest's preview mode: modules and controllers are scanned (all the document
 * needs) but no provider is instantiated, so nothing connects anywhere.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadSettings } from '@rcp/config';
import { findOpenApiDrift } from '@rcp/http';
import { AppModule } from '../src/app.module';
import { buildOpenApi } from '../src/bootstrap';

const ROOT = resolve(__dirname, '..');
const EXCLUDED = 'swagger/apiExcludeEndpoint';
/** The unauthenticated operational endpoints, documented like every other one. */
const OPS_PATHS = ['/healthz', '/readyz', '/metrics', '/version'];

/** `Controller_method` of every routed, documented handler of every controller in the graph. */
function expectedOperationIds(app: NestFastifyApplication): string[] {
  const ids: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type || Reflect.getMetadata(EXCLUDED, type)?.disable) continue;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[name as keyof object] as unknown;
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        if (Reflect.getMetadata(EXCLUDED, handler)?.disable) continue;
        ids.push(`${type.name.replace(/Controller$/, '')}_${name}`);
      }
    }
  }
  return ids;
}

async function main(): Promise<number> {
  // Defaults only (role `all`: every controller), whatever the shell's environment says.
  const settings = loadSettings({});
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings), new FastifyAdapter(), {
    preview: true,
    logger: ['error'],
    abortOnError: false,
  });
  const document = buildOpenApi(app);
  const documented = new Set(
    Object.values(document.paths).flatMap((item) => Object.values(item as Record<string, { operationId?: string }>).map((op) => op?.operationId)),
  );
  const missing = expectedOperationIds(app).filter((id) => !documented.has(id));
  await app.close();
  if (missing.length) {
    process.stderr.write(`lint:openapi: endpoints missing from the OpenAPI document: ${missing.join(', ')}\n`);
    return 1;
  }
  const drift = findOpenApiDrift(document, { requiredPaths: OPS_PATHS });
  if (drift.length) {
    process.stderr.write(`lint:openapi: the document drifts from the product:\n${drift.map((d) => `  - ${d}`).join('\n')}\n`);
    return 1;
  }

  const dir = mkdtempSync(join(tmpdir(), 'rcp-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    const cli = join(dirname(require.resolve('@stoplight/spectral-cli/package.json')), 'dist', 'index.js');
    const run = spawnSync(process.execPath, [cli, 'lint', file, '--ruleset', join(ROOT, '.spectral.yaml'), '--fail-severity', 'error', '--format', 'stylish'], {
      stdio: 'inherit',
      cwd: ROOT,
    });
    if (run.error) throw run.error;
    if (run.status === 0) {
      process.stdout.write(`lint:openapi: ${Object.keys(document.paths).length} paths, ${documented.size} operations, no errors\n`);
    }
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`lint:openapi: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
