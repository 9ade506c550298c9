import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** Seals an inline value again under the current master key (rotation); a binding already under it is left alone. */
@AuditedCommand<ResealSecretBindingCommand>({ action: 'secret-binding.reseal', targetType: 'secret-binding', targetId: (c) => c.bindingId })
export class ResealSecretBindingCommand extends Command<{ resealed: boolean; keyId: string | null }> {
  constructor(readonly bindingId: string) {
    super();
  }
}
