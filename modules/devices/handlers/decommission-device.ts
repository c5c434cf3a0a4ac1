import { notFound, type DeviceCredentials } from '../../../src/index.js';
import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';

interface Deps {
  registry: Registry;
  clock: () => Date;
  deviceCredentials: DeviceCredentials;
}

export const decommissionDevice =
  ({ registry, clock, deviceCredentials }: Deps): Handler<'decommissionDevice'> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await registry.decommission(tx.db, id, clock().toISOString()))) throw notFound('device');
      await tx.publish('deviceDecommissioned', { id });
      await deviceCredentials.revoke(id);
    });
    return {};
  };
