import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** Turns a result `unknown` when no check came for HEALTH_STALE_SECONDS. */
@AuditedCommand<ExpireStaleHealthCommand>({ action: 'health.expire', targetType: 'environment', targetId: (c) => c.environmentId, details: (c) => ({ service: c.service, revision: c.revision }) })
export class ExpireStaleHealthCommand extends Command<{ expired: boolean }> {
  constructor(
    readonly environmentId: string,
    readonly service: string,
    readonly revision: string | null,
  ) {
    super();
  }
}
