import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { alertsContract } from '../contract.js';
import type { Lifecycle } from '../lifecycle.js';
import type { AlertsStores } from '../stores.js';

/** A decommissioned device raises nothing any more: its alerts are resolved and the rules only it had are gone. */
export const onDeviceDecommissioned =
  ({ lifecycle }: { lifecycle: Lifecycle }): EventHandler<typeof alertsContract, typeof devicesContract, 'deviceDecommissioned', AlertsStores> =>
  async ({ id }, ctx) =>
    ctx.transaction(async (tx) => {
      await lifecycle.resolve(tx, { deviceId: id });
      await tx.stores.rules.removeTargeting(id);
    });
