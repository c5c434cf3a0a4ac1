import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/** From now on commands for the device are taken without asking the registry. */
export const onDeviceRegistered =
  (): EventHandler<typeof commandsContract, typeof devicesContract, 'deviceRegistered', CommandsStores> =>
  ({ id }, ctx) =>
    ctx.transaction((tx) => tx.stores.knownDevices.record(id, false));
