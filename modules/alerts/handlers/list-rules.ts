import type { OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { AlertsStores } from '../stores.js';

export const listRules =
  (): OperationHandler<typeof alertsContract, 'listRules', AlertsStores> =>
  async (_input, { stores }) => ({ rules: await stores.rules.list() });
