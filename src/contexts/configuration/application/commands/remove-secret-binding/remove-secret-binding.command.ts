import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { SecretBindingView } from '../../configuration.views';

/** Removes a binding (an inline value is wiped); a removed binding is no longer found by its name. */
@AuditedCommand<RemoveSecretBindingCommand, SecretBindingView>({
  action: 'secret-binding.remove',
  targetType: 'secret-binding',
  targetId: (c, result) => result?.id ?? `${c.environmentId}/${c.name}`,
})
export class RemoveSecretBindingCommand extends Command<SecretBindingView> {
  constructor(
    readonly environmentId: string,
    readonly name: string,
    readonly expectedVersion?: number,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
