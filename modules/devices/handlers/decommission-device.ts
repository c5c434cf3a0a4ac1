import { notFound } from '../../../src/index.js';
import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';

interface Deps {
  registry: Registry;
  clock: () => Date;
}

export const decommissionDevice =
  ({ registry, clock }: Deps): Handler<'decommissionDevice'> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await registry.decommission(tx.db, id, clock().toISOString()))) throw notFound('device');
      await tx.publish('deviceDecommissioned', { id });
    });
    return {};
  };
