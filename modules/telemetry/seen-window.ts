import type { Logger } from '../../src/index.js';
import type { TelemetryConfig } from './config.js';
import type { makeSeenMessages } from './data/seen-messages.js';

type SeenMessages = ReturnType<typeof makeSeenMessages>;

const checkEveryMs = 60_000;

/**
 * Forgets seen message ids older than one to two windows (`telemetry.dedupeWindowMs`), checked after ingestion at
 * most every minute (every quarter window when shorter), outside its transaction and without making it wait.
 */
export function seenWindow(config: TelemetryConfig, clock: () => Date, log: Logger): (seen: SeenMessages) => void {
  const every = Math.min(checkEveryMs, config.dedupeWindowMs / 4);
  let checkedAt = 0;
  let running = false;
  return (seen) => {
    const now = clock().getTime();
    if (running || now - checkedAt < every) return;
    checkedAt = now;
    running = true;
    seen
      .rotate(config.dedupeWindowMs, now)
      .catch((err: unknown) => log.warn({ err }, 'old message ids not forgotten; trying again later'))
      .finally(() => (running = false));
  };
}
