import { Command } from '@nestjs/cqrs';
import { AuditedCommand } from '@rcp/persistence';

/** Empties the live inventory of an environment that no longer exists (its services are removed). */
@AuditedCommand<ClearServiceInventoryCommand>({ action: 'environment.clear-inventory', targetType: 'environment', targetId: (c) => c.environmentId })
export class ClearServiceInventoryCommand extends Command<{ removed: string[] }> {
  constructor(
    readonly environmentId: string,
    /** When the environment went away. */
    readonly at: Date,
  ) {
    super();
  }
}
