import { Injectable } from '@nestjs/common';
import { Clock } from '@rcp/ddd';
import { ChangeHandler, ChangeTarget, UnitOfWork } from '@rcp/persistence';
import { RuntimeEnvironmentRepository } from '../domain/inventory.repository';
import { RuntimeEnvironment } from '../domain/runtime-environment.aggregate';
import { AccessScope, canSee } from './access-scope';
import { ProvisioningScheduler } from './provisioning-scheduler';

/** The environment a command changes, as the caller may reach it: another project's is `not_found`. */
export function environmentTarget(id: string, scope: AccessScope | undefined, expectedVersion?: number): ChangeTarget<RuntimeEnvironment> {
  return { id, expectedVersion, visible: (env) => canSee(scope, env.projectId) };
}

/** A {@link ChangeHandler} of one environment, with what its changes need: the time and the provisioning scheduler. */
@Injectable()
export abstract class EnvironmentChangeHandler<C extends object, D, R> extends ChangeHandler<C, RuntimeEnvironment, D, R> {
  constructor(
    uow: UnitOfWork,
    environments: RuntimeEnvironmentRepository,
    protected readonly scheduler: ProvisioningScheduler,
    protected readonly clock: Clock,
  ) {
    super(uow, environments, 'Environment');
  }
}
