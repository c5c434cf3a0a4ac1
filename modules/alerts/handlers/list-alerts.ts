import type { OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { AlertsStores } from '../stores.js';

export const listAlerts =
  (): OperationHandler<typeof alertsContract, 'listAlerts', AlertsStores> =>
  async (filter, { stores }) => ({ alerts: await stores.alerts.list(filter) });
