import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/** Commands already queued for the device stay and expire with their TTL: nothing can deliver them any more. */
export const onDeviceDecommissioned =
  (): EventHandler<typeof commandsContract, typeof devicesContract, 'deviceDecommissioned', CommandsStores> =>
  ({ id }, ctx) =>
    ctx.transaction((tx) => tx.stores.knownDevices.record(id, true));
