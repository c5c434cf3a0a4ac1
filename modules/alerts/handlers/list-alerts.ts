import type { OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Alerts } from '../data/alerts.js';

export const listAlerts =
  ({ alerts }: { alerts: Alerts }): OperationHandler<typeof alertsContract, 'listAlerts'> =>
  async (filter) => ({ alerts: await alerts.list(filter) });
