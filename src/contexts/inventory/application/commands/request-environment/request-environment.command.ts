import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';
import { RequestEnvironmentInput as NewEnvironment } from '../../../domain/runtime-environment.aggregate';
import { AccessScope } from '../../access-scope';
import { EnvironmentJobView } from '../../environment.view';

/** What the caller asks for; the handler gives the environment its id. */
export type RequestEnvironmentInput = Omit<NewEnvironment, 'id'>;

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
