import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { SecretBindingRepository } from '../../../domain/configuration.repository';
import { SecretSealer } from '../../ports/secret-sealer.port';
import { ResealSecretBindingCommand } from './reseal-secret-binding.command';

type Resealed = { resealed: boolean; keyId: string | null };

/**
 * Opens the inline value under the key it was sealed with (current or retired) and seals it under the
 * current one, in memory only, in one transaction with the binding's new row. Internal: nothing is
 * published (consumers see the same binding).
 */
@CommandHandler(ResealSecretBindingCommand)
export class ResealSecretBindingHandler implements ICommandHandler<ResealSecretBindingCommand, Resealed> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly bindings: SecretBindingRepository,
    private readonly sealer: SecretSealer,
    private readonly clock: Clock,
  ) {}

  execute(cmd: ResealSecretBindingCommand): Promise<Resealed> {
    return this.uow.run<ResealSecretBindingCommand, Resealed>(cmd, async (note) => {
      const binding = await this.bindings.findById(cmd.bindingId);
      const sealed = binding?.snapshot().sealed ?? null;
      if (!binding || binding.removed || !sealed) return unchanged({ resealed: false, keyId: null });
      const current = this.sealer.currentKeyId();
      if (sealed.keyId === current) return unchanged({ resealed: false, keyId: current });
      note.projectId = binding.projectId;
      note.tenantId = binding.snapshot().tenantId;
      binding.reseal(this.sealer.seal(this.sealer.unseal(sealed, binding.id), binding.id), this.clock.now());
      await this.bindings.save(binding);
      return { resealed: true, keyId: current };
    });
  }
}
