import { Logger } from '@nestjs/common';

/**
 * An `error` listener for BullMQ queues and workers. Without one, BullMQ prints every reconnection
 * failure with `console.error` (unstructured, unredacted, several lines a second while Redis is
 * down). This logs through the structured logger instead, at most once per `everyMs` per source, with
 * how many errors it swallowed in between. Redis being away is not fatal here: the ledger in Postgres
 * is the record and the sweeper re-adds lost hints once Redis is back.
 */
export function throttledRedisErrorLog(logger: Logger, source: string, everyMs = 30_000): (err: Error) => void {
  let last = 0;
  let suppressed = 0;
  return (err: Error) => {
    const now = Date.now();
    if (now - last < everyMs) {
      suppressed++;
      return;
    }
    const extra = suppressed > 0 ? ` (${suppressed} similar errors since the last report)` : '';
    logger.warn(`${source}: Redis error, jobs wait in the ledger until it is back: ${err?.message ?? err}${extra}`);
    last = now;
    suppressed = 0;
  };
}
