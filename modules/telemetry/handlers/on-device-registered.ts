import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';

export const onDeviceRegistered =
  (): EventHandler<typeof telemetryContract, typeof devicesContract, 'deviceRegistered', TelemetryStores> =>
  ({ id }, ctx) =>
    ctx.transaction((tx) => tx.stores.knownDevices.record(id, false));
