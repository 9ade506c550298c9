import { ValueObject } from './value-object';

class Size extends ValueObject<{ w: number; h: number; tags?: { a?: number; b?: number }[] }> {
  static of(props: { w: number; h: number; tags?: { a?: number; b?: number }[] }) {
    return new Size(props);
  }
}

describe('ValueObject.equals', () => {
  it('compares by value, whatever the order of the keys (a jsonb column reorders them)', () => {
    expect(Size.of({ w: 1, h: 2 }).equals(Size.of({ h: 2, w: 1 }))).toBe(true);
    expect(Size.of({ w: 1, h: 2, tags: [{ a: 1, b: 2 }] }).equals(Size.of({ tags: [{ b: 2, a: 1 }], h: 2, w: 1 }))).toBe(true);
  });

  it('tells different values apart, including the order of list items', () => {
    expect(Size.of({ w: 1, h: 2 }).equals(Size.of({ w: 2, h: 1 }))).toBe(false);
    expect(Size.of({ w: 1, h: 2, tags: [{ a: 1 }, { b: 2 }] }).equals(Size.of({ w: 1, h: 2, tags: [{ b: 2 }, { a: 1 }] }))).toBe(false);
    expect(Size.of({ w: 1, h: 2 }).equals(undefined)).toBe(false);
  });
});
