import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-body';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('exceedsJsonDepth', () => {
  it('accepts nesting up to the limit and refuses one level more, for arrays and objects alike', () => {
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    const objects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    expect(exceedsJsonDepth(objects(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(objects(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('measures depth, not the number of brackets', () => {
    expect(exceedsJsonDepth(JSON.stringify(Array.from({ length: 10_000 }, () => [[1], { a: [2] }])))).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ s: '['.repeat(1000) }))).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ s: `\\"${'{'.repeat(1000)}` }))).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ s: '\\', t: nested(MAX_JSON_DEPTH + 1) }))).toBe(false);
    expect(exceedsJsonDepth(`{"s":"\\\\",${'['.repeat(MAX_JSON_DEPTH)}]`)).toBe(true);
  });

  it('stops at the first level too deep, so a megabyte of brackets is refused at once', () => {
    const started = process.hrtime.bigint();
    expect(exceedsJsonDepth('['.repeat(1024 * 1024))).toBe(true);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });
});
