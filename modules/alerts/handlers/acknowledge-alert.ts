import { conflict, notFound, type OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { Alerts } from '../data/alerts.js';

interface Deps {
  alerts: Alerts;
  clock: () => Date;
}

/** Acknowledging twice is harmless: the first acknowledgement stands. */
export const acknowledgeAlert =
  ({ alerts, clock }: Deps): OperationHandler<typeof alertsContract, 'acknowledgeAlert'> =>
  async ({ id }, { principal }) => {
    await alerts.acknowledge(id, principal?.email ?? principal?.sub ?? null, clock().toISOString());
    const alert = await alerts.byId(id);
    if (!alert) throw notFound('alert');
    if (alert.state === 'resolved') throw conflict('the alert is already resolved');
    return alert;
  };
