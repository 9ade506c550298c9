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

type Job = 'queued' | 'running' | 'done';
const jobs = new Lifecycle<Job, 'start' | 'cancel' | 'finish', { worker: string | null }>('Job', {
  start: { from: ['queued', 'running'], to: 'running', guard: (j) => j.worker === null, describe: 'start' },
  cancel: { from: ['queued'], to: 'done', describe: 'be cancelled', refusals: { running: 'be cancelled until it stops (queued only)' } },
  finish: { from: ['running'], to: 'done', describe: 'finish' },
});

describe('Lifecycle with guards and worded refusals', () => {
  it('allows a guarded action only when its guard passes as well as its state', () => {
    expect(jobs.next('queued', 'start', 'queued', { worker: null })).toBe('running');
    expect(jobs.next('running', 'start', 'running', { worker: null })).toBe('running');
    expect(jobs.allows('running', 'start', { worker: 'w1' })).toBe(false);
    expect(jobs.allows('done', 'start', { worker: null })).toBe(false);
  });

  it('refuses a failed guard as invalid_state_transition, naming the state as shown', () => {
    expect(() => jobs.next('running', 'start', 'running (worker w1)', { worker: 'w1' })).toThrow(new InvalidStateTransitionError('Job', 'running (worker w1)', 'start'));
  });

  it('words a refusal for the state it came from when the table says how, and uses describe otherwise', () => {
    expect(() => jobs.next('running', 'cancel')).toThrow('Job cannot be cancelled until it stops (queued only) while running');
    expect(() => jobs.next('done', 'cancel')).toThrow('Job cannot be cancelled while done');
  });

  it('needs the subject for a guarded action, and lists actions with it', () => {
    expect(() => jobs.allows('queued', 'start')).toThrow('Job lifecycle: start is guarded');
    expect(jobs.actionsFrom('queued', { worker: null })).toEqual(['start', 'cancel']);
    expect(jobs.actionsFrom('running', { worker: 'w1' })).toEqual(['finish']);
  });
});
