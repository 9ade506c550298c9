import { InvalidStateTransitionError } from './domain-error';
import { Lifecycle } from './lifecycle';

type State = 'draft' | 'live' | 'retired';
const doc = new Lifecycle<State, 'publish' | 'edit' | 'retire'>('Document', {
  publish: { from: ['draft'], to: 'live', describe: 'be published' },
  edit: { from: ['draft', 'live'], describe: 'be edited' },
  retire: { from: ['draft', 'live'], to: 'retired', describe: 'be retired' },
});

describe('Lifecycle', () => {
  it('leads an allowed action to its state, and keeps the state for an action without one', () => {
    expect(doc.next('draft', 'publish')).toBe('live');
    expect(doc.next('live', 'edit')).toBe('live');
    expect(doc.next('live', 'retire')).toBe('retired');
  });

  it('refuses an action from a state it may not start from, as invalid_state_transition naming both', () => {
    expect(() => doc.next('live', 'publish')).toThrow(InvalidStateTransitionError);
    try {
      doc.next('retired', 'edit');
    } catch (err) {
      expect((err as InvalidStateTransitionError).code).toBe('invalid_state_transition');
      expect((err as Error).message).toBe('Document cannot be edited while retired');
    }
    expect.assertions(3);
  });

  it('names the current state as the aggregate shows it, when given', () => {
    expect(() => doc.next('live', 'publish', 'live (an edit is in flight)')).toThrow('Document cannot be published while live (an edit is in flight)');
  });

  it('lists what may start from a state, in declaration order', () => {
    expect(doc.actionsFrom('draft')).toEqual(['publish', 'edit', 'retire']);
    expect(doc.actionsFrom('live')).toEqual(['edit', 'retire']);
    expect(doc.actionsFrom('retired')).toEqual([]);
    expect(doc.allows('retired', 'retire')).toBe(false);
  });
});
