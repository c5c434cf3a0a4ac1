import { expiringIds, type FlatValues as Values, type Knex } from '../../../src/index.js';

/** The key of a message id: device ids hold no spaces, so the pair is unambiguous. */
export const messageKey = (deviceId: string, id: string) => `${deviceId} ${id}`;

/** Message ids stored within the dedupe window, an expiring id set (`seen_messages_0` and `_1`). */
export const seenMessageIds = { name: 'seen_messages', columns: ['device_id', 'message_id'] } as const;

/** Telemetry's seen message ids, so that a message sent again within the dedupe window is stored once. */
export function makeSeenMessages(db: Knex | Knex.Transaction) {
  const ids = expiringIds(db, seenMessageIds);
  return {
    /**
     * Records message ids (a flat list of device id, message id, received at) and returns the keys seen for the
     * first time; the others are duplicates. Racing transactions claim each key once.
     */
    async claim(values: Values): Promise<Set<string>> {
      const keys: Values = [];
      for (let i = 0; i < values.length; i += 3) keys.push(values[i], values[i + 1]);
      const claimed = await ids.claim(keys);
      return new Set(claimed.map(([deviceId, id]) => messageKey(String(deviceId), String(id))));
    },
    /** Forgets ids older than one to two windows; call it outside the ingestion transaction. */
    rotate: (windowMs: number, now?: number) => ids.rotate(windowMs, now),
  };
}
