import { ActualState } from '@rcp/executor';
import { observedStateOf } from './actual-state.mapping';

const state = (patch: Partial<ActualState> = {}): ActualState => ({
  environmentId: 'env-1',
  environment: 'present',
  observedAt: '2026-12-03T09:00:00.000Z',
  services: [
    {
      name: 'checkout',
      image: 'registry.example/checkout:2',
      configChecksum: 'sha256:c',
      replicas: 4,
      readyReplicas: 3,
      revisions: [{ revision: 'r2', image: 'registry.example/checkout:2', configChecksum: 'sha256:c', replicas: 4, readyReplicas: 3, trafficWeight: 100, healthy: true }],
    },
  ],
  ...patch,
});

describe('the executor\'s actual state as inventory\'s observation', () => {
  it('takes one report per service, from its service-level fields', () => {
    expect(observedStateOf(state(), 'env-1')).toEqual({
      present: true,
      observedAt: new Date('2026-12-03T09:00:00.000Z'),
      services: [{ name: 'checkout', image: 'registry.example/checkout:2', replicas: 4, readyReplicas: 3, configChecksum: 'sha256:c' }],
    });
    expect(observedStateOf(state({ environment: 'absent', services: [] }), 'env-1').present).toBe(false);
  });

  it.each([
    ['another environment', { environmentId: 'env-2' }, /names another environment/],
    ['an unknown presence', { environment: 'maybe' as never }, /present or absent/],
    ['a bad time', { observedAt: 'yesterday' }, /observedAt/],
    ['no list', { services: {} as never }, /services must be a list/],
    ['too many services', { services: Array.from({ length: 1001 }, () => state().services[0]) }, /at most 1000/],
    ['a service without an image', { services: [{ name: 'x' } as never] }, /services\[0\] needs a name and an image/],
    ['fractional replicas', { services: [{ ...state().services[0], replicas: 1.5 }] }, /services\[0\] replicas/],
  ])('refuses an answer with %s', (_, patch, error) => {
    expect(() => observedStateOf(state(patch as Partial<ActualState>), 'env-1')).toThrow(error);
  });

  it('refuses what is not an object at all', () => {
    expect(() => observedStateOf('<html>' as never, 'env-1')).toThrow(/not an object/);
    expect(() => observedStateOf(null as never, 'env-1')).toThrow(/not an object/);
  });
});
