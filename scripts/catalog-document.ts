import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApi } from '../libs/messaging/src/asyncapi';

/** The catalogue as docs/asyncapi.json holds it: every context's contracts (and the webhooks') loaded, then the document, pretty-printed. */
export function asyncApiDocument(): string {
  const contexts = join(__dirname, '..', 'src', 'contexts');
  for (const dir of readdirSync(contexts)) require(join(contexts, dir, 'contracts'));
  require(join(__dirname, '..', 'src', 'webhooks', 'contracts'));
  return `${JSON.stringify(buildAsyncApi(), null, 2)}\n`;
}
