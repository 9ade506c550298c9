import { DomainError } from '@rcp/ddd';
import { CanaryStrategy, RolloutStrategy, peakReplicas, planRollout, validateStrategy } from './rollout-strategy';

const refusal = (s: unknown): { field: string; message: string } | undefined => {
  try {
    validateStrategy(s as RolloutStrategy);
    return undefined;
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== 'validation_failed') throw e;
    return (e.details.errors as Array<{ field: string; message: string }>)[0];
  }
};
const brief = (plan: ReturnType<typeof planRollout>) => plan.map((s) => `${s.action} ${s.weight}% ${s.newReplicas}/${s.oldReplicas}${s.action === 'pause' ? ` ${s.pauseSeconds ?? '∞'}` : ''}${s.verify ? ' ✓' : ''}`);

describe('validateStrategy', () => {
  it('accepts the three strategies as API.md writes them', () => {
    expect(refusal({ type: 'rolling', maxSurge: 1, maxUnavailable: 0 })).toBeUndefined();
    expect(refusal({ type: 'blue-green', autoPromote: true, previewSeconds: 60 })).toBeUndefined();
    expect(refusal({ type: 'canary', steps: [{ setWeight: 10 }, { pause: { seconds: 60 } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }] })).toBeUndefined();
  });

  it.each<[string, unknown, string, RegExp]>([
    ['canary weights that do not increase', { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }] }, 'strategy.steps.1.setWeight', /must increase/],
    ['a repeated weight', { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 50 }] }, 'strategy.steps.1.setWeight', /must increase/],
    ['a weight over 100', { type: 'canary', steps: [{ setWeight: 120 }] }, 'strategy.steps.0.setWeight', /1 to 100/],
    ['a weight of 0', { type: 'canary', steps: [{ setWeight: 0 }] }, 'strategy.steps.0.setWeight', /1 to 100/],
    ['a pause of more than a day', { type: 'canary', steps: [{ setWeight: 10 }, { pause: { seconds: 86_401 } }] }, 'strategy.steps.1.pause.seconds', /a day/],
    ['a canary of pauses only', { type: 'canary', steps: [{ pause: { seconds: 5 } }] }, 'strategy.steps', /at least one setWeight/],
    ['no steps', { type: 'canary', steps: [] }, 'strategy.steps', /1 to 50 steps/],
    ['an unknown step', { type: 'canary', steps: [{ wait: 5 }] }, 'strategy.steps.0', /setWeight/],
    ['a rolling update that cannot move', { type: 'rolling', maxSurge: 0, maxUnavailable: 0 }, 'strategy.maxSurge', /both be 0/],
    ['a negative surge', { type: 'rolling', maxSurge: -1, maxUnavailable: 1 }, 'strategy.maxSurge', /integer/],
    ['a preview of more than a day', { type: 'blue-green', autoPromote: true, previewSeconds: 90_000 }, 'strategy.previewSeconds', /86400/],
    ['an unknown type', { type: 'recreate' }, 'strategy.type', /rolling, blue-green, canary/],
  ])('refuses %s, naming the field', (_, strategy, field, message) => {
    const r = refusal(strategy);
    expect(r?.field).toBe(field);
    expect(r?.message).toMatch(message);
  });
});

describe('planRollout', () => {
  it('applies a first deployment in one verified step, whatever the strategy', () => {
    for (const s of [{ type: 'rolling', maxSurge: 1, maxUnavailable: 0 }, { type: 'blue-green', autoPromote: false, previewSeconds: 0 }, { type: 'canary', steps: [{ setWeight: 10 }] }] as RolloutStrategy[]) {
      expect(brief(planRollout(s, 3, 0))).toEqual(['apply 100% 3/0 ✓']);
    }
  });

  it('rolls in batches of maxSurge + maxUnavailable, never running more than replicas + maxSurge', () => {
    const plan = planRollout({ type: 'rolling', maxSurge: 1, maxUnavailable: 1 }, 5, 5);
    expect(brief(plan)).toEqual(['set-weight 40% 2/3 ✓', 'set-weight 80% 4/1 ✓', 'set-weight 100% 5/0 ✓']);
    expect(peakReplicas(plan, 5)).toBe(7);
    expect(brief(planRollout({ type: 'rolling', maxSurge: 1, maxUnavailable: 0 }, 3, 3))).toEqual(['set-weight 33% 1/2 ✓', 'set-weight 67% 2/1 ✓', 'set-weight 100% 3/0 ✓']);
  });

  it('previews the new colour, pauses, switches the traffic and scales the old colour down', () => {
    const auto = planRollout({ type: 'blue-green', autoPromote: true, previewSeconds: 30 }, 3, 3);
    expect(brief(auto)).toEqual(['apply 0% 3/3 ✓', 'pause 0% 3/3 30', 'promote 100% 3/3 ✓', 'scale-down-old 100% 3/0']);
    expect(peakReplicas(auto, 3)).toBe(6);
    expect(planRollout({ type: 'blue-green', autoPromote: false, previewSeconds: 30 }, 3, 3)[1].pauseSeconds).toBeNull();
  });

  it('runs canary replicas beside the full old revision, holds at pauses, and promotes at the end', () => {
    const strategy: CanaryStrategy = { type: 'canary', steps: [{ setWeight: 10 }, { pause: { seconds: 60 } }, { setWeight: 50 }, { pause: {} }] };
    const plan = planRollout(strategy, 4, 4);
    expect(brief(plan)).toEqual(['set-weight 10% 1/4 ✓', 'pause 10% 1/4 60', 'set-weight 50% 2/4 ✓', 'pause 50% 2/4 ∞', 'promote 100% 4/0 ✓']);
    expect(peakReplicas(plan, 4)).toBe(8);
    expect(brief(planRollout({ type: 'canary', steps: [{ setWeight: 20 }, { setWeight: 100 }, { pause: { seconds: 5 } }] }, 10, 10))).toEqual(['set-weight 20% 2/10 ✓', 'promote 100% 10/0 ✓']);
  });
});
