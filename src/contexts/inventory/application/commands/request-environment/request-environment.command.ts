import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
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
@AuditedCommand<RequestEnvironmentCommand, EnvironmentJobView>({
  action: 'environment.request',
  targetType: 'environment',
  targetId: (_, r) => r.environment.id,
  tenantId: (c) => c.input.tenantId,
  details: ({ input }) => ({ projectId: input.projectId, name: input.name, type: input.type }),
})
export class RequestEnvironmentCommand extends Command<EnvironmentJobView> {
  constructor(
    readonly input: RequestEnvironmentInput,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
