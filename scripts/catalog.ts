/**
 * `npm run catalog` — writes the AsyncAPI 3.0 document of every published event type (what
 * `GET /v1/event-catalog` serves) to docs/asyncapi.json, generated from the event classes of every
 * context's contracts. `npm test` checks that the file is current and that `@asyncapi/parser` accepts it.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from './catalog-document';

const file = join(__dirname, '..', 'docs', 'asyncapi.json');
writeFileSync(file, asyncApiDocument());
console.log(`wrote ${file}`);
