import { Command } from '@nestjs/cqrs';
import { EnvironmentType } from '../../../domain/environment-name.value-object';
import { AccessScope } from '../../access-scope';
import { EnvironmentJobView } from '../../environment.view';

export interface RequestEnvironmentInput {
  tenantId: string;
  projectId: string;
  name: string;
  type: EnvironmentType;
  region: string;
  labels?: Record<string, string>;
}

/** Requests a new environment (state `requested`) and schedules its provisioning. */
export class RequestEnvironmentCommand extends Command<EnvironmentJobView> {
  constructor(
    readonly input: RequestEnvironmentInput,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
