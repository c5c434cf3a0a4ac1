import { randomUUID } from 'node:crypto';
import type { OperationHandler } from '../../../src/index.js';
import type { Rule, alertsContract } from '../contract.js';
import type { Rules } from '../data/rules.js';

interface Deps {
  rules: Rules;
  clock: () => Date;
}

export const createRule =
  ({ rules, clock }: Deps): OperationHandler<typeof alertsContract, 'createRule'> =>
  async ({ name, deviceId, metric, op, threshold }) => {
    const rule: Rule = { id: randomUUID(), name, deviceId: deviceId ?? null, metric, op, threshold, createdAt: clock().toISOString() };
    await rules.insert(rule);
    return rule;
  };
