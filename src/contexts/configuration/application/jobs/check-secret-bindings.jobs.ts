import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { HandlesJob, JobHandler } from '@rcp/jobs';
import { SecretBindingRepository } from '../../domain/configuration.repository';
import { CheckSecretBindingCommand } from '../commands/check-secret-binding/check-secret-binding.command';
import { CONFIGURATION_JOBS, EnvironmentJobPayload } from '../configuration-jobs';

/** `configuration.check-secret-bindings`: checks each live binding of one environment; answers each one's status. */
@Injectable()
@HandlesJob(CONFIGURATION_JOBS.checkSecretBindings)
export class CheckSecretBindingsJob implements JobHandler<EnvironmentJobPayload> {
  constructor(
    private readonly commands: CommandBus,
    private readonly bindings: SecretBindingRepository,
  ) {}

  async run({ environmentId }: EnvironmentJobPayload): Promise<{ checked: Record<string, string> }> {
    const checked: Record<string, string> = {};
    for (const binding of await this.bindings.liveOf(environmentId)) {
      const name = binding.snapshot().name;
      checked[name] = (await this.commands.execute(new CheckSecretBindingCommand(environmentId, name))).status;
    }
    return { checked };
  }
}
