import { notFound, type OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Lifecycle } from '../lifecycle.js';
import type { AlertsStores } from '../stores.js';

/** A deleted rule leaves its alerts as history, resolved. */
export const deleteRule =
  ({ lifecycle }: { lifecycle: Lifecycle }): OperationHandler<typeof alertsContract, 'deleteRule', AlertsStores> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await tx.stores.rules.remove(id))) throw notFound('rule');
      await lifecycle.resolve(tx, { ruleId: id });
    });
    return {};
  };
