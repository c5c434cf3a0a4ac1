import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { telemetryContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';

/** A decommissioned device stays known: its history remains readable. */
export const onDeviceDecommissioned =
  ({ knownDevices }: { knownDevices: KnownDevices }): EventHandler<typeof telemetryContract, typeof devicesContract, 'deviceDecommissioned'> =>
  ({ id }, ctx) =>
    knownDevices.record(ctx.db, id, true);
