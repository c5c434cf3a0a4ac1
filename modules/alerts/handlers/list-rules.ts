import type { OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Rules } from '../store.js';

export const listRules =
  ({ rules }: { rules: Rules }): OperationHandler<typeof alertsContract, 'listRules'> =>
  async () => ({ rules: await rules.list() });
