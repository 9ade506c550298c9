import { serialized, without } from './serialized';

describe('serialized views', () => {
  it('turns every Date into its ISO string, at any depth, and copies the rest', () => {
    const at = new Date('2026-01-02T03:04:05.006Z');
    const snapshot = { id: 'e1', at, none: null, nested: { when: at, n: 1, list: [at, 'x'] }, labels: { a: 'b' } };
    const view = serialized(snapshot);
    expect(view).toEqual({ id: 'e1', at: '2026-01-02T03:04:05.006Z', none: null, nested: { when: '2026-01-02T03:04:05.006Z', n: 1, list: ['2026-01-02T03:04:05.006Z', 'x'] }, labels: { a: 'b' } });
    expect(view.labels).not.toBe(snapshot.labels);
    const typed: { at: string; nested: { when: string } } = view;
    expect(typed.at).toBe('2026-01-02T03:04:05.006Z');
  });

  it('leaves out the fields a view does not show', () => {
    expect(without({ a: 1, b: 2, c: 3 }, 'b', 'c')).toEqual({ a: 1 });
  });
});
