import type { EventHandler } from '../../../src/index.js';
import type { devicesContract } from '../../devices/contract.js';
import type { alertsContract } from '../contract.js';
import type { Rules } from '../data/rules.js';
import type { Lifecycle } from '../lifecycle.js';

interface Deps {
  rules: Rules;
  lifecycle: Lifecycle;
}

/** A decommissioned device raises nothing any more: its alerts are resolved and the rules only it had are gone. */
export const onDeviceDecommissioned =
  ({ rules, lifecycle }: Deps): EventHandler<typeof alertsContract, typeof devicesContract, 'deviceDecommissioned'> =>
  async ({ id }, ctx) =>
    ctx.transaction(async (tx) => {
      await lifecycle.resolve(tx, { deviceId: id });
      await rules.removeTargeting(tx.db, id);
    });
