import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, DomainError, PreconditionFailedError } from '@rcp/ddd';
import { UnitOfWork } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { BINDING_NAME_PATTERN } from '../../../domain/runtime-config-content';
import { validateBindingSource } from '../../../domain/secret-binding-reference';
import { SecretBinding } from '../../../domain/secret-binding.aggregate';
import { SecretBindingView, secretBindingView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { SecretResolver } from '../../ports/secret-resolver.port';
import { SecretSealer } from '../../ports/secret-sealer.port';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { CreateSecretBindingCommand } from './create-secret-binding.command';

/**
 * Creates a binding in three steps: its source is checked (400: a malformed reference, a Key Vault host
 * outside AZURE_KEY_VAULT_HOSTS, a missing identity); the vault is asked whether it resolves, outside
 * any transaction (a slow vault holds no database connection); then, in one transaction, the
 * environment is checked (404, 409 when it is going away), an inline value is sealed, and the binding is
 * saved with its status. A provider the control plane has no settings for still gets its binding, as
 * `unresolvable` (fail closed): deployments that need it are refused until it resolves.
 */
@CommandHandler(CreateSecretBindingCommand)
export class CreateSecretBindingHandler implements ICommandHandler<CreateSecretBindingCommand, SecretBindingView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
    private readonly resolver: SecretResolver,
    private readonly sealer: SecretSealer,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  async execute(cmd: CreateSecretBindingCommand): Promise<SecretBindingView> {
    const { input } = cmd;
    if (!BINDING_NAME_PATTERN.test(input.name)) {
      const message = `name must match ${BINDING_NAME_PATTERN.source}`;
      throw new DomainError('validation_failed', message, { errors: [{ field: 'name', message }] });
    }
    validateBindingSource({ provider: input.provider, reference: input.reference, identity: input.identity, hasValue: input.value !== null }, this.settings.AZURE_KEY_VAULT_HOSTS.split(','));
    if (input.provider === 'inline' && !this.sealer.enabled()) {
      throw new PreconditionFailedError('Inline secret bindings are not enabled on this control plane', ['inline secrets are disabled (SECRETS_INLINE_ALLOWED is not true)']);
    }
    const id = randomUUID();
    const sealed = input.provider === 'inline' ? this.sealer.seal(input.value!, id) : null;
    const resolvability = await this.resolver.check({ name: input.name, provider: input.provider, reference: input.reference, identity: input.identity, sealed });
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.environments, input.environmentId, cmd.scope, { forChange: true });
      note.projectId = env.projectId;
      if (await this.bindings.findByName(env.environmentId, input.name)) {
        throw new PreconditionFailedError(`A secret binding named ${input.name} already exists in this environment`, [`secret binding name ${input.name} is taken`]);
      }
      const binding = SecretBinding.create(
        { id, tenantId: env.tenantId, projectId: env.projectId, environmentId: env.environmentId, name: input.name, provider: input.provider, reference: input.reference, identity: input.identity, sealed, createdBy: cmd.actor },
        resolvability,
        this.clock.now(),
      );
      await this.bindings.save(binding);
      return secretBindingView(binding.snapshot(), binding.version);
    });
  }
}
