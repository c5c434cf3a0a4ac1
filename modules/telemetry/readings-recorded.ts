import type { EventOf } from '../../src/index.js';
import type { telemetryContract } from './contract.js';
import type { ReadingRow } from './data/readings.js';
import { toIso } from './time.js';

type ReadingsRecorded = EventOf<typeof telemetryContract, 'readingsRecorded'>;
type DeviceReadings = ReadingsRecorded['devices'][number];

/** Readings an event holds before the next device starts another; one device's readings stay in one event. */
export const readingsPerEvent = 5000;

/**
 * The `readingsRecorded` payloads of one commit: every device that got new readings, with those readings. One
 * event for the group, split only when it would hold more than `readingsPerEvent` readings.
 */
export function recordedInGroup(readings: ReadingRow[]): ReadingsRecorded[] {
  const perDevice = new Map<string, DeviceReadings>();
  const isoOf = new Map<number | string, string>();
  for (const { device_id: deviceId, metric, ts, value } of readings) {
    let device = perDevice.get(deviceId);
    if (!device) perDevice.set(deviceId, (device = { deviceId, readings: [] }));
    let iso = isoOf.get(ts);
    if (iso === undefined) isoOf.set(ts, (iso = toIso(ts)));
    device.readings.push({ metric, ts: iso, value });
  }
  const events: ReadingsRecorded[] = [];
  let size = Infinity;
  for (const device of perDevice.values()) {
    if (size + device.readings.length > readingsPerEvent) {
      events.push({ devices: [] });
      size = 0;
    }
    events.at(-1)!.devices.push(device);
    size += device.readings.length;
  }
  return events;
}
