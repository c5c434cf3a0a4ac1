import { expect, type Api } from './api.js';

/** A stored reading of the `seq` metric: its value names the message it came from. */
interface SeqReading {
  ts: string;
  value: number;
}

const page = 1000;

/**
 * Every `seq` reading of a device through `GET /api/telemetry/devices/:id/readings`, newest first, paging down
 * with `to` (exclusive). A full page may end inside one timestamp, so its oldest timestamp is read again on the
 * next page rather than trusted.
 */
export async function seqReadings(api: Api, deviceId: string): Promise<SeqReading[]> {
  const all: SeqReading[] = [];
  let to: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ metric: 'seq', limit: String(page), ...(to ? { to } : {}) });
    const { readings } = (await expect(api, 200, 'GET', `/api/telemetry/devices/${deviceId}/readings?${query}`)) as { readings: SeqReading[] };
    if (readings.length < page) return [...all, ...readings];
    const oldest = readings[readings.length - 1].ts;
    all.push(...readings.filter((reading) => reading.ts !== oldest));
    to = new Date(Date.parse(oldest) + 1).toISOString();
  }
}

/**
 * What the store holds of the sent messages: how many of them are there, how many acknowledged ones are
 * missing, and how many extra rows a message has (one message, one `seq` row; a copy sits at another `ts`).
 */
export function tally(readings: SeqReading[], acknowledged: Set<number>) {
  const copies = new Map<number, number>();
  for (const { value } of readings) copies.set(value, (copies.get(value) ?? 0) + 1);
  return {
    stored: copies.size,
    lost: [...acknowledged].filter((seq) => !copies.has(seq)).length,
    duplicated: [...copies.values()].reduce((sum, n) => sum + n - 1, 0),
  };
}
