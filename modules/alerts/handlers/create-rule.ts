import { randomUUID } from 'node:crypto';
import type { OperationHandler } from '../../../src/index.js';
import type { Rule, alertsContract } from '../contract.js';
import type { AlertsStores } from '../stores.js';

export const createRule =
  ({ clock }: { clock: () => Date }): OperationHandler<typeof alertsContract, 'createRule', AlertsStores> =>
  async ({ name, deviceId, metric, op, threshold }, ctx) => {
    const rule: Rule = { id: randomUUID(), name, deviceId: deviceId ?? null, metric, op, threshold, createdAt: clock().toISOString() };
    await ctx.transaction((tx) => tx.stores.rules.insert(rule));
    return rule;
  };
