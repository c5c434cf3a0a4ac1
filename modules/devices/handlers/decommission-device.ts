import { notFound } from '../../../src/index.js';
import type { Handler } from '../handler.js';

interface Deps {
  clock: () => Date;
}

export const decommissionDevice =
  ({ clock }: Deps): Handler<'decommissionDevice'> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await tx.stores.registry.decommission(id, clock().toISOString()))) throw notFound('device');
      await tx.publish('deviceDecommissioned', { id });
    });
    return {};
  };
