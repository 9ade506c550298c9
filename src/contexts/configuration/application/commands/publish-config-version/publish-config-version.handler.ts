import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { Clock, PreconditionFailedError } from '@rcp/ddd';
import { UnitOfWork, unchanged } from '@rcp/persistence';
import { RuntimeConfigurationRepository, SecretBindingRepository } from '../../../domain/configuration.repository';
import { configContent } from '../../../domain/runtime-config-content';
import { RuntimeConfiguration } from '../../../domain/runtime-configuration.aggregate';
import { PublishedConfigVersionView, configVersionView } from '../../configuration.views';
import { reachEnvironment } from '../../environment-access';
import { EnvironmentDirectory } from '../../read-models/environment-read-model';
import { PublishConfigVersionCommand } from './publish-config-version.command';

/**
 * Validates the content (limits, the secret guard), checks that every binding it names exists in the
 * environment, and publishes it as the next version of the service's line, whose row is locked so two
 * publishers of one service are serialized. The same content as the latest version answers that
 * version: no new version, no event, no audit row.
 */
@CommandHandler(PublishConfigVersionCommand)
export class PublishConfigVersionHandler implements ICommandHandler<PublishConfigVersionCommand, PublishedConfigVersionView> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly configurations: RuntimeConfigurationRepository,
    private readonly bindings: SecretBindingRepository,
    private readonly environments: EnvironmentDirectory,
    private readonly clock: Clock,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  execute(cmd: PublishConfigVersionCommand): Promise<PublishedConfigVersionView> {
    const content = configContent(cmd.entries, cmd.secretRefs, { maxEntries: this.settings.CONFIG_MAX_ENTRIES, maxValueBytes: this.settings.CONFIG_MAX_VALUE_BYTES });
    return this.uow.run(cmd, async (note) => {
      const env = await reachEnvironment(this.environments, cmd.environmentId, cmd.scope, { forChange: true });
      note.projectId = env.projectId;
      const bound = new Set((await this.bindings.liveOf(env.environmentId)).map((b) => b.snapshot().name));
      const missing = content.secretRefs.filter((name) => !bound.has(name));
      if (missing.length > 0) {
        throw new PreconditionFailedError(
          `secretRefs name bindings that do not exist in environment ${env.environmentId}: ${missing.join(', ')}`,
          missing.map((name) => `secret binding ${name} does not exist in this environment`),
        );
      }
      const line =
        (await this.configurations.findByService(env.environmentId, cmd.service, { lock: true })) ??
        RuntimeConfiguration.start({ id: randomUUID(), tenantId: env.tenantId, projectId: env.projectId, environmentId: env.environmentId, service: cmd.service }, this.clock.now());
      const { version, created } = line.publish(content, cmd.author, this.clock.now());
      const view = { ...configVersionView(env.environmentId, cmd.service, version), created };
      if (!created) return unchanged(view);
      await this.configurations.save(line);
      return view;
    });
  }
}
