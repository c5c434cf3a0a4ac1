import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { commandsContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';

/** Commands already queued for the device stay and expire with their TTL: nothing can deliver them any more. */
export const onDeviceDecommissioned =
  ({ knownDevices }: { knownDevices: KnownDevices }): EventHandler<typeof commandsContract, typeof devicesContract, 'deviceDecommissioned'> =>
  ({ id }, ctx) =>
    knownDevices.record(ctx.db, id, true);
