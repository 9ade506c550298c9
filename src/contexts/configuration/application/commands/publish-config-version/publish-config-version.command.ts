import { Command } from '@nestjs/cqrs';
import { AccessScope } from '@rcp/ddd';
import { AuditedCommand } from '@rcp/persistence';
import { PublishedConfigVersionView } from '../../configuration.views';

/** Publishes a service's configuration in an environment as its next immutable version (or answers the latest, when equal). */
@AuditedCommand<PublishConfigVersionCommand, PublishedConfigVersionView>({
  action: 'config-version.publish',
  targetType: 'runtime-configuration',
  targetId: (c) => `${c.environmentId}/${c.service}`,
  details: (c) => ({ service: c.service, keys: Object.keys(c.entries).length, secretRefs: c.secretRefs }),
})
export class PublishConfigVersionCommand extends Command<PublishedConfigVersionView> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly entries: Record<string, string>,
    readonly secretRefs: string[],
    readonly author: string,
    readonly scope?: AccessScope,
  ) {
    super();
  }
}
