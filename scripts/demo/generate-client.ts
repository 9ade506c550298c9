/**
 * `npm run client:generate [-- --url http://127.0.0.1:3000]`: regenerates scripts/demo/rcp-api.d.ts, the
 * demo client's types, with openapi-typescript from the OpenAPI document. Without `--url` the document is
 * built in-process (no server, database or Redis needed: it is what `/docs-json` serves); with `--url` it
 * is downloaded from a running control plane's `/docs-json`. `--check` writes nothing and exits 1 when the
 * committed file differs from a fresh generation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildOpenApiDocument, CLIENT_TYPES_FILE, generateClientTypes } from './openapi-client';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, check: { type: 'boolean' } }, strict: true });
  let document: Record<string, unknown>;
  if (values.url) {
    const res = await fetch(new URL('/docs-json', values.url));
    if (!res.ok) throw new Error(`GET ${res.url} answered ${res.status}`);
    document = (await res.json()) as Record<string, unknown>;
  } else {
    document = await buildOpenApiDocument();
  }
  const types = await generateClientTypes(document);
  const file = relative(process.cwd(), CLIENT_TYPES_FILE);
  let current = '';
  try {
    current = readFileSync(CLIENT_TYPES_FILE, 'utf8');
  } catch {
    /* first generation */
  }
  if (values.check) {
    process.stdout.write(current === types ? `client:generate: ${file} is current\n` : `client:generate: ${file} is stale: run npm run client:generate\n`);
    return current === types ? 0 : 1;
  }
  writeFileSync(CLIENT_TYPES_FILE, types);
  process.stdout.write(`client:generate: ${current === types ? 'unchanged' : 'wrote'} ${file} (${Object.keys(document.paths as object).length} paths)\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`client:generate: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
