import { DomainError } from '@rcp/ddd';
import { DEPLOYMENT_LIFECYCLE, RuntimeDeployment } from './runtime-deployment.aggregate';
import { PREVIOUS, T0, aDeployment, at, evaluation } from './runtime-deployment.mother';

const names = (d: RuntimeDeployment) => d.pullEvents().map((e) => e.name);
const code = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (e) {
    return (e as DomainError).code;
  }
};

describe('RuntimeDeployment', () => {
  it('is created pending with the next revision, its plan, and the release restored together by a rollback', () => {
    const d = aDeployment();
    const s = d.snapshot();
    expect(s).toMatchObject({ state: 'pending', currentStep: 0, previous: PREVIOUS, reason: 'deploy' });
    expect(s.release).toEqual({ revision: 4, image: 'registry.example/checkout:1.1.0', configVersion: 5, configChecksum: 'c5', secretBindings: ['API_KEY', 'DB_PASSWORD'], replicas: 4 });
    expect(s.plan.map((p) => p.action)).toEqual(['set-weight', 'pause', 'set-weight', 'promote']);
    expect(s.timeline).toEqual([{ at: T0, state: 'pending', step: null, message: 'revision 4 (registry.example/checkout:1.1.0, config version 5) by deployer@acme: canary, 4 steps' }]);
    expect(names(d)).toEqual(['DeploymentCreated']);
  });

  it('refuses a bad image, strategy or gate before anything exists', () => {
    expect(code(() => aDeployment({ release: { image: 'checkout', configVersion: 1, configChecksum: 'c', secretBindings: [] } }))).toBe('validation_failed');
    expect(code(() => aDeployment({ strategy: { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }] } }))).toBe('validation_failed');
    expect(code(() => aDeployment({ healthGate: { minHealthySeconds: 60, maxErrorRate: null, maxP95LatencyMs: null, timeoutSeconds: 30 } }))).toBe('validation_failed');
  });

  it('walks a canary to success: each weight verified, the timed pause held until its time', () => {
    const d = aDeployment();
    d.start(at(0));
    d.stepApplied(at(5));
    expect(d.state).toBe('verifying');
    d.gateEvaluated(evaluation('inconclusive', 10, ['healthy for 5 s of 30 s']));
    d.gateEvaluated(evaluation('inconclusive', 15, ['healthy for 5 s of 30 s']));
    expect(d.state).toBe('verifying');
    d.gateEvaluated(evaluation('pass', 40));
    expect(d.snapshot()).toMatchObject({ state: 'progressing', currentStep: 1 });
    d.stepApplied(at(41));
    expect(d.snapshot()).toMatchObject({ state: 'paused', pausedUntil: at(101) });
    expect(d.pauseElapsed(at(100))).toBe(false);
    expect(d.pauseElapsed(at(101))).toBe(true);
    d.stepApplied(at(105));
    d.gateEvaluated(evaluation('pass', 140));
    d.stepApplied(at(145));
    d.gateEvaluated(evaluation('pass', 180));
    expect(d.state).toBe('succeeded');
    expect(d.finished).toBe(true);
    expect(names(d)).toEqual([
      'DeploymentCreated',
      'DeploymentStepStarted',
      'DeploymentVerifying',
      'DeploymentStepStarted',
      'DeploymentPaused',
      'DeploymentStepStarted',
      'DeploymentVerifying',
      'DeploymentStepStarted',
      'DeploymentVerifying',
      'DeploymentSucceeded',
      'WorkloadDeployed',
    ]);
    const gateLines = d.snapshot().timeline.filter((e) => e.evaluation);
    expect(gateLines.map((e) => e.evaluation!.outcome)).toEqual(['inconclusive', 'pass', 'pass', 'pass']); // the repeated inconclusive is noted once
  });

  it('rolls back by itself when the gate fails, keeping the evaluation that decided it', () => {
    const d = aDeployment();
    d.start(at(0));
    d.stepApplied(at(5));
    const failed = evaluation('fail', 20, ['unhealthy since 2026-12-04T10:00:15.000Z']);
    d.gateEvaluated(failed);
    expect(d.state).toBe('rolling_back');
    const events = d.pullEvents();
    const started = events.find((e) => e.name === 'DeploymentRollbackStarted')!;
    expect(started.payload).toMatchObject({ toRevision: 3, evaluation: failed, reason: 'health gate failed: unhealthy since 2026-12-04T10:00:15.000Z' });
    d.rolledBack(at(30));
    expect(d.state).toBe('rolled_back');
    expect(d.pullEvents().map((e) => [e.name, (e.payload as { reason?: string }).reason])).toEqual([
      ['DeploymentRolledBack', 'health gate failed: unhealthy since 2026-12-04T10:00:15.000Z: rolling back to revision 3'],
    ]);
    expect(d.snapshot().timeline.map((e) => e.state)).toContain('rolling_back');
  });

  it('fails a first deployment whose gate fails: there is nothing to roll back to', () => {
    const d = aDeployment({ previous: null, runningReplicas: 0 });
    expect(d.snapshot().plan.map((p) => p.action)).toEqual(['apply']);
    d.start(at(0));
    d.stepApplied(at(1));
    d.gateEvaluated(evaluation('fail', 2, ['no health source reports this service: the gate cannot be evaluated, so it fails closed']));
    expect(d.state).toBe('failed');
    expect(d.snapshot().timeline.at(-1)!.message).toMatch(/no earlier succeeded revision/);
  });

  it('holds a blue-green preview until promoted, then switches and scales the old colour down', () => {
    const d = aDeployment({ strategy: { type: 'blue-green', autoPromote: false, previewSeconds: 0 } });
    d.start(at(0));
    d.stepApplied(at(1));
    d.gateEvaluated(evaluation('pass', 31));
    d.stepApplied(at(32));
    expect(d.snapshot()).toMatchObject({ state: 'paused', pausedUntil: null });
    expect(d.pauseElapsed(at(10_000))).toBe(false);
    expect(d.promote('admin@acme', at(60))).toBe(true);
    expect(d.snapshot()).toMatchObject({ state: 'progressing', currentStep: 2 });
    d.stepApplied(at(61));
    d.gateEvaluated(evaluation('pass', 95));
    expect(d.step.action).toBe('scale-down-old');
    d.stepApplied(at(96));
    expect(d.state).toBe('succeeded');
  });

  it('lets a person promote past the canary\'s pauses, resume, abort and roll back, within the state machine', () => {
    const promoted = aDeployment();
    promoted.start(at(0));
    expect(promoted.promote('admin@acme', at(1))).toBe(true);
    expect(promoted.step.action).toBe('promote');
    promoted.stepApplied(at(2));
    expect(promoted.promote('admin@acme', at(3))).toBe(false); // already at its last step

    const paused = aDeployment();
    paused.start(at(0));
    paused.stepApplied(at(1));
    paused.gateEvaluated(evaluation('pass', 31));
    expect(code(() => paused.resume('admin@acme', at(32)))).toBe('invalid_state_transition'); // progressing, not paused
    paused.stepApplied(at(32));
    paused.resume('admin@acme', at(33));
    expect(paused.snapshot()).toMatchObject({ state: 'progressing', currentStep: 2 });

    const aborted = aDeployment();
    aborted.start(at(0));
    aborted.abort('admin@acme', 'wrong image', at(1));
    expect(aborted.state).toBe('aborted');
    expect(aborted.stepApplied(at(2))).toBe(false); // a late outcome changes nothing
    for (const act of [() => aborted.promote('a', at(3)), () => aborted.rollBack('a', 'x', at(3)), () => aborted.resume('a', at(3)), () => aborted.abort('a', 'x', at(3))]) {
      expect(code(act)).toBe('invalid_state_transition');
    }

    const manual = aDeployment();
    manual.start(at(0));
    manual.rollBack('admin@acme', 'latency regression', at(1));
    expect(manual.state).toBe('rolling_back');
    expect(manual.snapshot().timeline.at(-1)!.message).toBe('rolled back by admin@acme: latency regression: rolling back to revision 3');
  });

  it('offers the actions of API.md from each state', () => {
    expect(DEPLOYMENT_LIFECYCLE.actionsFrom('paused')).toEqual(['advance', 'resume', 'promote', 'rollback', 'abort', 'fail']);
    expect(DEPLOYMENT_LIFECYCLE.actionsFrom('succeeded')).toEqual([]);
    expect(DEPLOYMENT_LIFECYCLE.actionsFrom('rolling_back')).toEqual(['rolled-back', 'fail']);
  });
});
