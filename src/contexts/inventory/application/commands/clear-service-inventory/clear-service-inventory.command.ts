import { Command } from '@nestjs/cqrs';

/** Empties the live inventory of an environment that no longer exists (its services are removed). */
export class ClearServiceInventoryCommand extends Command<{ removed: string[] }> {
  constructor(
    readonly environmentId: string,
    /** When the environment went away. */
    readonly at: Date,
  ) {
    super();
  }
}
