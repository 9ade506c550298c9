/** Longest text from an outside system that is kept by default (longer ones are cut with "…"). */
export const MAX_OUTSIDE_TEXT_LENGTH = 200;

/** Terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \\`, two-byte `ESC x`), removed whole. */
const ANSI_ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/\S*|\bwww\.\S+|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/gi;

/**
 * Text an outside system chose (an executor's failure reason, a data plane's answer), made fit for a
 * tenant to read: terminal escape sequences are removed, other control and formatting characters (bidi
 * overrides, newlines) become spaces, URLs and IP addresses become `[url]` (they name internal systems), whitespace is collapsed and the result is
 * cut to `max` characters. Empty text becomes `no reason given`.
 */
export function sanitizeOutsideText(text: string, max = MAX_OUTSIDE_TEXT_LENGTH): string {
  const clean = text.replace(ANSI_ESCAPE, '').replace(CONTROL_OR_FORMAT, ' ').replace(URL_LIKE, '[url]').replace(/\s+/g, ' ').trim();
  if (!clean) return 'no reason given';
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : clean;
}
