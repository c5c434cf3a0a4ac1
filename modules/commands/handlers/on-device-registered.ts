import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { commandsContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';

/** From now on commands for the device are taken without asking the registry. */
export const onDeviceRegistered =
  ({ knownDevices }: { knownDevices: KnownDevices }): EventHandler<typeof commandsContract, typeof devicesContract, 'deviceRegistered'> =>
  ({ id }, ctx) =>
    knownDevices.record(ctx.db, id, false);
