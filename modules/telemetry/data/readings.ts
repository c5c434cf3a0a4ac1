import { insertRows, type FlatValues as Values, type Knex } from '../../../src/index.js';
import type { Reading } from '../contract.js';
import { toIso, type Range } from '../time.js';
import { inRange } from './sql.js';

/** A row of `readings` or `latest_readings`; PostgreSQL returns the bigints as strings. */
export interface ReadingRow {
  device_id: string;
  metric: string;
  ts: number | string;
  value: number;
  received_at: number | string;
}

export const readingColumns = ['device_id', 'metric', 'ts', 'value', 'received_at'] as const;

const newestWins =
  ' on conflict (device_id, metric) do update set ts = excluded.ts, value = excluded.value, received_at = excluded.received_at' +
  ' where excluded.ts > latest_readings.ts';

/**
 * The newest of `readings` per device and metric, flat: one upsert may not touch a row twice. Sorted by key, so
 * replicas upserting the same devices at once on PostgreSQL take their row locks in one order and cannot deadlock.
 */
function newestPerMetric(readings: ReadingRow[]): Values {
  const newest = new Map<string, ReadingRow>();
  for (const reading of readings) {
    const key = `${reading.device_id} ${reading.metric}`;
    const kept = newest.get(key);
    if (!kept || Number(kept.ts) < Number(reading.ts)) newest.set(key, reading);
  }
  const values: Values = [];
  for (const key of [...newest.keys()].sort()) {
    const row = newest.get(key)!;
    values.push(row.device_id, row.metric, row.ts, row.value, row.received_at);
  }
  return values;
}

const toReading = (row: ReadingRow): Reading => ({
  metric: row.metric,
  ts: toIso(row.ts),
  value: row.value,
  receivedAt: toIso(row.received_at),
});

/** Queries on telemetry's `readings`, keyed by (device, ts, metric), and `latest_readings`. */
export function makeReadings(db: Knex) {
  return {
    /** Stores readings (flat, in `readingColumns` order) and returns those not stored before. */
    insertNew(values: Values): Promise<ReadingRow[]> {
      return insertRows(db, 'readings', readingColumns, values, ` on conflict do nothing returning ${readingColumns.join(', ')}`);
    },

    /** Brings `latest_readings` up to date with readings just stored; an older one arriving late changes nothing. */
    async recordLatest(added: ReadingRow[]): Promise<void> {
      await insertRows(db, 'latest_readings', readingColumns, newestPerMetric(added), newestWins);
    },

    async list(deviceId: string, filter: { metric?: string; range: Range; limit: number }): Promise<Reading[]> {
      const query = db<ReadingRow>('readings').where('device_id', deviceId);
      if (filter.metric) query.where('metric', filter.metric);
      const rows: ReadingRow[] = await inRange(query, 'ts', filter.range)
        .orderBy([{ column: 'ts', order: 'desc' }, { column: 'metric' }])
        .limit(filter.limit);
      return rows.map(toReading);
    },

    async latest(deviceId: string): Promise<Reading[]> {
      const rows: ReadingRow[] = await db<ReadingRow>('latest_readings').where('device_id', deviceId).orderBy('metric');
      return rows.map(toReading);
    },
  };
}

export type Readings = ReturnType<typeof makeReadings>;
