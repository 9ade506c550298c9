import { createHash } from 'node:crypto';
import { DomainError } from '@rcp/ddd';
import { checksumOf, configContent, diffContent } from './runtime-config-content';

const limits = { maxEntries: 1000, maxValueBytes: 32 * 1024 };
const errorOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a refusal');
};

describe('configuration content', () => {
  it('has the sha256 of its canonical JSON (sorted keys, no whitespace) as checksum', () => {
    const c = configContent({ b: '2', a: '1' }, ['tls', 'db'], limits);
    const canonical = '{"entries":{"a":"1","b":"2"},"secretRefs":["db","tls"]}';
    expect(checksumOf(c)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('gives the same checksum whatever the order of keys and refs', () => {
    expect(checksumOf(configContent({ a: '1', b: '2' }, ['x', 'y'], limits))).toBe(checksumOf(configContent({ b: '2', a: '1' }, ['y', 'x'], limits)));
    expect(checksumOf(configContent({ a: '1' }, [], limits))).not.toBe(checksumOf(configContent({ a: '2' }, [], limits)));
    expect(checksumOf(configContent({ a: '1' }, [], limits))).not.toBe(checksumOf(configContent({ a: '1' }, ['a'], limits)));
  });

  it('refuses more entries than the limit, and a value over the limit, with 400', () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`K${i}`, 'v']));
    expect(errorOf(() => configContent(many, [], limits)).code).toBe('validation_failed');
    expect(configContent(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`K${i}`, 'v'])), [], limits)).toBeTruthy();
    const big = errorOf(() => configContent({ BLOB: 'x'.repeat(32 * 1024 + 1) }, [], limits));
    expect(big.code).toBe('validation_failed');
    expect(big.details.errors).toEqual([{ field: 'entries.BLOB', message: expect.stringContaining('32769 bytes') }]);
    expect(configContent({ BLOB: 'x'.repeat(32 * 1024) }, [], limits)).toBeTruthy();
  });

  it('refuses malformed keys, malformed and repeated binding names', () => {
    expect(errorOf(() => configContent({ 'bad key': '1' }, [], limits)).code).toBe('validation_failed');
    expect(errorOf(() => configContent({ '9LIVES': '1' }, [], limits)).code).toBe('validation_failed');
    expect(errorOf(() => configContent({}, ['db', 'db'], limits)).message).toContain('listed twice');
    expect(errorOf(() => configContent({}, ['../etc'], limits)).code).toBe('validation_failed');
  });

  it('refuses a secret-looking entry with 422 secret_value_forbidden, naming the key and not the value', () => {
    const e = errorOf(() => configContent({ LOG_LEVEL: 'info', DATABASE_URL: 'postgres://app:Sup3rS3cret@db/shop' }, [], limits));
    expect(e.code).toBe('secret_value_forbidden');
    expect(e.message).toContain('DATABASE_URL');
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('Sup3rS3cret');
    expect(e.details.errors).toEqual([{ field: 'entries.DATABASE_URL', message: 'looks like a secret: its value is a URL with a password' }]);
  });
});

describe('the diff of two versions', () => {
  it('lists added, removed and changed keys with their values, and the bindings added and removed', () => {
    const from = configContent({ A: '1', B: '2', C: '3' }, ['db', 'tls'], limits);
    const to = configContent({ A: '1', B: '20', D: '4' }, ['db', 'mq'], limits);
    expect(diffContent(from, to)).toEqual({
      added: [{ key: 'D', value: '4' }],
      removed: [{ key: 'C', value: '3' }],
      changed: [{ key: 'B', from: '2', to: '20' }],
      secretRefsAdded: ['mq'],
      secretRefsRemoved: ['tls'],
    });
  });

  it('is empty between equal contents, and tells an empty value from an absent key', () => {
    const a = configContent({ A: '' }, [], limits);
    expect(diffContent(a, a)).toEqual({ added: [], removed: [], changed: [], secretRefsAdded: [], secretRefsRemoved: [] });
    expect(diffContent(configContent({}, [], limits), a).added).toEqual([{ key: 'A', value: '' }]);
  });
});
