import type { Knex } from '../../../src/index.js';
import type { Static } from '../../../src/index.js';
import type { Aggregate } from '../contract.js';
import { toIso, type Range } from '../time.js';
import { inRange } from './sql.js';

type AggregateOut = Static<typeof Aggregate>;

interface AggregateRow {
  metric: string;
  bucket: number | string;
  min: number;
  max: number;
  avg: number;
  count: number | string;
}

export const bucketSizes = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 } as const;
export type Bucket = keyof typeof bucketSizes;

/** Min, max, avg and count of readings per metric and time bucket, oldest bucket first. */
export function makeAggregates(db: Knex) {
  return async (deviceId: string, filter: { metric?: string; range: Range; bucket: Bucket }): Promise<AggregateOut[]> => {
    // Integer division of epoch ms, the same on SQLite and PostgreSQL; the size is a constant of the table above.
    const size = bucketSizes[filter.bucket];
    const query = db('readings')
      .where('device_id', deviceId)
      .select('metric', db.raw(`(ts / ${size}) * ${size} as bucket`))
      .min('value as min')
      .max('value as max')
      .avg('value as avg')
      .count('* as count')
      .groupBy('metric', 'bucket')
      .orderBy([{ column: 'bucket' }, { column: 'metric' }]);
    if (filter.metric) query.where('metric', filter.metric);
    const rows: AggregateRow[] = await inRange(query, 'ts', filter.range);
    return rows.map((row) => ({
      bucket: toIso(row.bucket),
      metric: row.metric,
      min: Number(row.min),
      max: Number(row.max),
      avg: Number(row.avg),
      count: Number(row.count),
    }));
  };
}

export type Aggregates = ReturnType<typeof makeAggregates>;
