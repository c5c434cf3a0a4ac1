import { makeAggregates } from './data/aggregates.js';
import { makeDeviceEvents } from './data/device-events.js';
import { makeKnownDevices } from './data/known-devices.js';
import { makeReadings } from './data/readings.js';
import { makeRejections } from './data/rejections.js';
import { makeSeenMessages } from './data/seen-messages.js';

export type { Rejections } from './data/rejections.js';

export const telemetryStores = {
  readings: makeReadings,
  aggregates: makeAggregates,
  deviceEvents: makeDeviceEvents,
  rejections: makeRejections,
  knownDevices: makeKnownDevices,
  seenMessages: makeSeenMessages,
};

export type TelemetryStores = typeof telemetryStores;
