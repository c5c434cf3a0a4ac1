import type { Knex } from '../../../src/index.js';
import { insertMany, type Values } from './sql.js';

/** The key of a message id: device ids hold no spaces, so the pair is unambiguous. */
export const messageKey = (deviceId: string, id: string) => `${deviceId} ${id}`;

const columns = ['device_id', 'message_id', 'received_at'];
const tail = ' on conflict do nothing returning device_id, message_id';

/** Telemetry's `seen_messages`: the message ids already stored, so a message sent again is stored once. */
export function makeSeenMessages(db: Knex) {
  return {
    /**
     * Records message ids (a flat list of device id, message id, received at) and returns the keys seen for the
     * first time; the others are duplicates. Racing transactions claim each key once.
     */
    async claim(values: Values): Promise<Set<string>> {
      if (values.length === 0) return new Set();
      const claimed = await insertMany<{ device_id: string; message_id: string }>(db, 'seen_messages', columns, values, tail);
      return new Set(claimed.map((row) => messageKey(row.device_id, row.message_id)));
    },
  };
}
