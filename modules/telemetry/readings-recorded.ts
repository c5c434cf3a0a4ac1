import type { EventOf } from '../../src/index.js';
import type { telemetryContract } from './contract.js';
import type { ReadingRow } from './data/readings.js';
import { toIso } from './time.js';

type ReadingsRecorded = EventOf<typeof telemetryContract, 'readingsRecorded'>;

/** One `readingsRecorded` payload per device that got new readings. */
export function recordedPerDevice(readings: ReadingRow[]): ReadingsRecorded[] {
  const perDevice = new Map<string, ReadingsRecorded>();
  const isoOf = new Map<number | string, string>();
  for (const { device_id: deviceId, metric, ts, value } of readings) {
    let event = perDevice.get(deviceId);
    if (!event) perDevice.set(deviceId, (event = { deviceId, readings: [] }));
    let iso = isoOf.get(ts);
    if (iso === undefined) isoOf.set(ts, (iso = toIso(ts)));
    event.readings.push({ metric, ts: iso, value });
  }
  return [...perDevice.values()];
}
