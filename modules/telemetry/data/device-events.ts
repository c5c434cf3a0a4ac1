import { insertRows, type FlatValues as Values, type Knex, type Static } from '../../../src/index.js';
import type { DeviceEvent } from '../contract.js';
import { toIso, type Range } from '../time.js';
import { inRange } from './sql.js';

interface EventRow {
  device_id: string;
  type: string;
  message_id: string | null;
  ts: number | string;
  data: string;
  received_at: number | string;
}

export const eventColumns = ['device_id', 'type', 'message_id', 'ts', 'data', 'received_at'] as const;

const toEvent = (row: EventRow): Static<typeof DeviceEvent> => ({
  id: row.message_id,
  type: row.type,
  ts: toIso(row.ts),
  data: JSON.parse(row.data),
  receivedAt: toIso(row.received_at),
});

/** Queries on telemetry's `device_events` table: what devices reported on their events topics. */
export function makeDeviceEvents(db: Knex) {
  return {
    /** Stores events given as a flat list of values in `eventColumns` order. */
    async insert(values: Values): Promise<void> {
      await insertRows(db, 'device_events', eventColumns, values);
    },

    async list(deviceId: string, filter: { type?: string; range: Range; limit: number }): Promise<Array<Static<typeof DeviceEvent>>> {
      const query = db<EventRow>('device_events').where('device_id', deviceId);
      if (filter.type) query.where('type', filter.type);
      const rows: EventRow[] = await inRange(query, 'ts', filter.range)
        .orderBy([{ column: 'ts', order: 'desc' }, { column: 'seq', order: 'desc' }])
        .limit(filter.limit);
      return rows.map(toEvent);
    },
  };
}

export type DeviceEvents = ReturnType<typeof makeDeviceEvents>;
