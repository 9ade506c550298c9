import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { SecretProvider } from '../../../domain/secret-binding-reference';
import { SecretBindingView } from '../../configuration.views';

export interface CreateSecretBindingInput {
  environmentId: string;
  name: string;
  provider: SecretProvider;
  reference: string | null;
  identity: string | null;
  /** Inline only. Never audited, logged or published: the audit details below leave it out. */
  value: string | null;
}

/** Binds a name in an environment to a vault secret (or, inline, to a value sealed by the control plane). */
@AuditedCommand<CreateSecretBindingCommand, SecretBindingView>({
  action: 'secret-binding.create',
  targetType: 'secret-binding',
  targetId: (_c, result) => result?.id,
  details: (c) => ({ environmentId: c.input.environmentId, name: c.input.name, provider: c.input.provider, reference: c.input.reference, identity: c.input.identity }),
})
export class CreateSecretBindingCommand extends Command<SecretBindingView> {
  constructor(
    readonly input: CreateSecretBindingInput,
    readonly actor: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
