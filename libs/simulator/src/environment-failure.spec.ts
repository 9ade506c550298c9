import { EnvironmentOperation } from '@rcp/executor';
import { environmentFailure } from './behaviour';

type Op = Omit<EnvironmentOperation, 'callbackUrl'>;
const op = (patch: Partial<Op> = {}, labels: Record<string, string> = {}): Op => ({
  operationId: '7f0e6d5c-4b3a-4291-8e7f-6a5b4c3d2e1f',
  kind: 'provision',
  attempt: 1,
  round: 1,
  environment: {
    id: '11111111-1111-4111-8111-111111111111',
    tenantId: 'acme',
    projectId: 'web',
    name: 'web-staging',
    type: 'staging',
    region: 'eu-west-1',
    labels,
    placement: { model: 'pool', cluster: 'pool-2', namespace: 'acme-web-web-staging', dataStore: 'pool-2/tenant_acme' },
  },
  ...patch,
});
/** The fate of an attempt, as the old provisioner's outcome. */
const provisioner = (rate = 0) => ({
  outcomeOf: (o: Op) => {
    const reason = environmentFailure(o, rate);
    return reason === null ? { succeeded: true as const } : { succeeded: false as const, reason };
  },
});

describe('simulated data plane: the fate of an environment operation', () => {
  it('succeeds by default', () => {
    expect(provisioner().outcomeOf(op())).toEqual({ succeeded: true });
  });

  it.each([
    ['provision', op(), false],
    ['provision', op({ kind: 'decommission' }), true],
    ['decommission', op(), true],
    ['decommission', op({ kind: 'decommission' }), false],
    ['all', op({ kind: 'decommission' }), false],
    ['provision-once', op({ attempt: 1 }), false],
    ['provision-once', op({ attempt: 2 }), true],
    ['provision-until-retry', op({ attempt: 3 }), false],
    ['provision-until-retry', op({ round: 2 }), true],
  ])('label rcp.dev/simulate-failure=%s: %o succeeds=%s', (flag, o, succeeds) => {
    const outcome = provisioner().outcomeOf({ ...o, environment: { ...o.environment, labels: { 'rcp.dev/simulate-failure': flag } } });
    expect(outcome.succeeded).toBe(succeeds);
    if (!outcome.succeeded) expect(outcome.reason).toContain(`label rcp.dev/simulate-failure=${flag}`);
  });

  it('fails a deterministic share of attempts with SIMULATED_FAILURE_RATE', () => {
    const p = provisioner(0.5);
    const fates = Array.from({ length: 200 }, (_, i) => p.outcomeOf(op({ attempt: 1 + (i % 3), round: 1 + Math.floor(i / 3) })).succeeded);
    const again = Array.from({ length: 200 }, (_, i) => p.outcomeOf(op({ attempt: 1 + (i % 3), round: 1 + Math.floor(i / 3) })).succeeded);
    expect(again).toEqual(fates);
    const failures = fates.filter((s) => !s).length;
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
    expect(provisioner(1).outcomeOf(op())).toEqual({ succeeded: false, reason: 'simulated infrastructure failure (SIMULATED_FAILURE_RATE=1)' });
  });
});
