import { notFound, type DeviceCredentials } from '../../../src/index.js';
import type { Handler } from '../handler.js';

interface Deps {
  clock: () => Date;
  deviceCredentials: DeviceCredentials;
}

export const decommissionDevice =
  ({ clock, deviceCredentials }: Deps): Handler<'decommissionDevice'> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await tx.stores.registry.decommission(id, clock().toISOString()))) throw notFound('device');
      await tx.publish('deviceDecommissioned', { id });
      await deviceCredentials.revoke(id);
    });
    return {};
  };
