import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { telemetryContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';

export const onDeviceRegistered =
  ({ knownDevices }: { knownDevices: KnownDevices }): EventHandler<typeof telemetryContract, typeof devicesContract, 'deviceRegistered'> =>
  ({ id }, ctx) =>
    knownDevices.record(ctx.db, id, false);
