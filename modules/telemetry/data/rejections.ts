import type { devicePorts, Knex, Static } from '../../../src/index.js';
import type { Rejection } from '../contract.js';
import { toIso } from '../time.js';
import { insertRows } from '../../../src/index.js';

interface RejectionRow {
  device_id: string;
  topic: string;
  code: Static<typeof Rejection>['code'];
  reason: string;
  received_at: number | string;
}

export const rejectionColumns = ['device_id', 'topic', 'code', 'reason', 'payload', 'received_at'] as const;

/** Text any store keeps as it is: PostgreSQL refuses the NUL character, so it becomes U+FFFD. */
export const storableText = (text: string, maxLength = 1024) => text.slice(0, maxLength).replaceAll('\u0000', '\ufffd');

/** How much of a refused payload is kept, to see what the device sent. */
export const payloadExcerpt = (payload: string | undefined) => (payload === undefined ? null : storableText(payload, 512));

const toRejection = (row: RejectionRow): Static<typeof Rejection> => ({
  deviceId: row.device_id,
  topic: row.topic,
  code: row.code,
  reason: row.reason,
  receivedAt: toIso(row.received_at),
});

/** Queries on telemetry's `rejections` table: device messages that were refused, with why. */
export function makeRejections(db: Knex) {
  return {
    /** Stores refused device messages, with text any store keeps and the start of the payload. */
    async insert(refused: devicePorts.DeviceRejection[]): Promise<void> {
      const values = refused.flatMap(({ deviceId, topic, code, reason, payload, receivedAt }) => [
        deviceId,
        storableText(topic),
        code,
        storableText(reason),
        payloadExcerpt(payload),
        receivedAt,
      ]);
      await insertRows(db, 'rejections', rejectionColumns, values);
    },

    /** Deletes the rejections received before `cutoff` (epoch ms). */
    async prune(cutoff: number): Promise<void> {
      await db('rejections').where('received_at', '<', cutoff).delete();
    },

    /** The newest rejections received since `since` (epoch ms). */
    async list(filter: { deviceId?: string; since: number; limit: number }): Promise<Array<Static<typeof Rejection>>> {
      const query = db<RejectionRow>('rejections').where('received_at', '>=', filter.since);
      if (filter.deviceId) query.where('device_id', filter.deviceId);
      const rows: RejectionRow[] = await query
        .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'seq', order: 'desc' }])
        .limit(filter.limit);
      return rows.map(toRejection);
    },
  };
}

export type Rejections = ReturnType<typeof makeRejections>;
