import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { SecretBindingView } from '../../configuration.views';

/** The pre-flight check of a binding: does its reference exist and can it be read (never returning the value)? Records the outcome. */
@AuditedCommand<CheckSecretBindingCommand, SecretBindingView>({
  action: 'secret-binding.check',
  targetType: 'secret-binding',
  targetId: (c, result) => result?.id ?? `${c.environmentId}/${c.name}`,
})
export class CheckSecretBindingCommand extends Command<SecretBindingView> {
  constructor(
    readonly environmentId: string,
    readonly name: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
