import { defineModule, on } from '../../src/index.js';
import { devicesContract } from '../devices/contract.js';
import { telemetryContract } from './contract.js';
import { telemetrySettings } from './config.js';
import { aggregateReadings } from './handlers/aggregate-readings.js';
import { ingestTelemetry } from './handlers/ingest-telemetry.js';
import { latestReadings } from './handlers/latest-readings.js';
import { listEvents } from './handlers/list-events.js';
import { listReadings } from './handlers/list-readings.js';
import { listRejections } from './handlers/list-rejections.js';
import { onDeviceDecommissioned } from './handlers/on-device-decommissioned.js';
import { onDeviceRegistered } from './handlers/on-device-registered.js';
import { recordRejections } from './handlers/record-rejections.js';
import { eventsKind, telemetryKind } from './protocol/message.js';
import { EventPayload, TelemetryPayload } from './protocol/payload-schemas.js';
import { telemetryStores } from './stores.js';
import { latestReadingsPanel } from './dashboard.js';

export default defineModule({
  contract: telemetryContract,
  config: telemetrySettings,
  handlers: {
    ingestTelemetry,
    recordRejections,
    listReadings,
    latestReadings,
    aggregateReadings,
    listEvents,
    listRejections,
  },
  stores: telemetryStores,
  subscriptions: [
    on(devicesContract, 'deviceRegistered', onDeviceRegistered),
    on(devicesContract, 'deviceDecommissioned', onDeviceDecommissioned),
  ],
  routes: [
    { method: 'GET', path: '/devices/:id/readings', access: 'viewer', operation: 'listReadings' },
    { method: 'GET', path: '/devices/:id/latest', access: 'viewer', operation: 'latestReadings' },
    { method: 'GET', path: '/devices/:id/aggregates', access: 'viewer', operation: 'aggregateReadings' },
    { method: 'GET', path: '/devices/:id/events', access: 'viewer', operation: 'listEvents' },
    { method: 'GET', path: '/rejections', access: 'viewer', operation: 'listRejections' },
  ],
  deviceTopics: { [telemetryKind]: 'ingestTelemetry', [eventsKind]: 'ingestTelemetry' },
  devicePayloads: { [telemetryKind]: TelemetryPayload, [eventsKind]: EventPayload },
  ports: { deviceRejections: 'recordRejections' },
  dashboard: { panels: [latestReadingsPanel] },
});
