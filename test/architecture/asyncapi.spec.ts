import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { EventCatalogue } from '@rcp/messaging';
import { asyncApiDocument } from '../../scripts/catalog-document';

/**
 * The published AsyncAPI catalogue, checked by a parser no one here wrote: `@asyncapi/parser` (the
 * AsyncAPI Initiative's, with its Spectral rules) finds no error and no warning in it, every event type
 * has its channel and message, and docs/asyncapi.json is the document the code generates (run
 * `npm run catalog` after changing an event).
 */
describe('AsyncAPI catalogue', () => {
  const generated = asyncApiDocument();

  it('is a valid AsyncAPI 3.0 document by the AsyncAPI parser', async () => {
    const { document, diagnostics } = await new Parser().parse(generated);
    // Severity 0 is an error, 1 a warning; 2 and 3 are hints (such as "3.1.0 is out").
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document).toBeDefined();
    const channels = document!.channels().all().map((c) => c.address());
    expect(channels.sort()).toEqual(EventCatalogue.all().map((e) => e.type).sort());
    const message = document!.messages().all().find((m) => m.name() === 'rcp.drift.drift-detected.v1');
    expect(message?.payload()?.properties()?.data?.required()).toEqual(expect.arrayContaining(['findingId', 'fingerprint', 'evidence']));
  });

  it('is what docs/asyncapi.json holds', () => {
    expect(readFileSync(join(__dirname, '../../docs/asyncapi.json'), 'utf8')).toBe(generated);
  });
});
