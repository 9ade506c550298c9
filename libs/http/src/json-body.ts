import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from './problem';

/** The deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

// UTF-16 code units of the JSON structure (all ASCII: no character of a string is mistaken for one).
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether the JSON text nests arrays and objects deeper than `max`, found in one pass over the text
 * without parsing (brackets inside strings do not count). Stops at the first level too deep, so a body of
 * a million brackets costs no more than its first `max + 1`. Malformed text is left to the parser.
 */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const b = text.charCodeAt(i);
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

type ParserDone = (err: Error | null, body?: unknown) => void;

/**
 * Registers the `application/json` body parser: Fastify's own (same limits, same prototype-poisoning
 * protection), after a depth check that refuses a body nested deeper than {@link MAX_JSON_DEPTH} with
 * `400 validation_failed`. Without it a body of nested brackets parses, then overflows the stack of
 * whatever walks it (transformation, validation, hashing), as a 500 after stalling the event loop.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (req: FastifyRequest, body: string, done: ParserDone) => {
    if (exceedsJsonDepth(body)) {
      done(new ProblemException('validation_failed', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`));
      return;
    }
    parse(req, body, done);
  });
}
