import type { OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Rules } from '../data/rules.js';

export const listRules =
  ({ rules }: { rules: Rules }): OperationHandler<typeof alertsContract, 'listRules'> =>
  async () => ({ rules: await rules.list() });
