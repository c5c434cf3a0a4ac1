import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';

/** A decommissioned device stays known: its history remains readable. */
export const onDeviceDecommissioned =
  (): EventHandler<typeof telemetryContract, typeof devicesContract, 'deviceDecommissioned', TelemetryStores> =>
  ({ id }, ctx) =>
    ctx.transaction((tx) => tx.stores.knownDevices.record(id, true));
