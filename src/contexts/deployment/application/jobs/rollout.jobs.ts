import { commandJob } from '@rcp/jobs';
import { DispatchDeploymentOperationCommand } from '../commands/dispatch-deployment-operation/dispatch-deployment-operation.command';
import { EndDeploymentPauseCommand } from '../commands/end-deployment-pause/end-deployment-pause.command';
import { EvaluateHealthGateCommand } from '../commands/evaluate-health-gate/evaluate-health-gate.command';
import { DEPLOYMENT_JOBS, DispatchPayload, StepPayload } from '../deployment-jobs';

/*
 * The background steps of a rollout. Each dispatches one command of this context, so the rules stay in
 * the aggregate and a job that runs twice changes things once (an operation no longer awaited is not
 * sent, a judgement or a pause of a step the rollout has left changes nothing).
 */
export const DispatchDeploymentOperationJob = commandJob(DEPLOYMENT_JOBS.dispatch, 'DispatchDeploymentOperationJob', (p: DispatchPayload) => new DispatchDeploymentOperationCommand(p.deploymentId, p.operationId));
export const EvaluateHealthGateJob = commandJob(DEPLOYMENT_JOBS.evaluateGate, 'EvaluateHealthGateJob', (p: StepPayload) => new EvaluateHealthGateCommand(p.deploymentId, p.step));
export const EndDeploymentPauseJob = commandJob(DEPLOYMENT_JOBS.endPause, 'EndDeploymentPauseJob', (p: StepPayload) => new EndDeploymentPauseCommand(p.deploymentId, p.step));
