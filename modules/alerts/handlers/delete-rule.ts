import { notFound, type OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Rules } from '../data/rules.js';
import type { Lifecycle } from '../lifecycle.js';

interface Deps {
  rules: Rules;
  lifecycle: Lifecycle;
}

/** A deleted rule leaves its alerts as history, resolved. */
export const deleteRule =
  ({ rules, lifecycle }: Deps): OperationHandler<typeof alertsContract, 'deleteRule'> =>
  async ({ id }, ctx) => {
    await ctx.transaction(async (tx) => {
      if (!(await rules.remove(tx.db, id))) throw notFound('rule');
      await lifecycle.resolve(tx, { ruleId: id });
    });
    return {};
  };
