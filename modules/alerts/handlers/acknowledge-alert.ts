import { conflict, notFound, type OperationHandler } from '../../../src/index.js';
import type { alertsContract } from '../contract.js';
import type { AlertsStores } from '../stores.js';

/** Acknowledging twice is harmless: the first acknowledgement stands. */
export const acknowledgeAlert =
  ({ clock }: { clock: () => Date }): OperationHandler<typeof alertsContract, 'acknowledgeAlert', AlertsStores> =>
  async ({ id }, ctx) =>
    ctx.transaction(async ({ stores: { alerts } }) => {
      const { principal } = ctx;
      await alerts.acknowledge(id, principal?.email ?? principal?.sub ?? null, clock().toISOString());
      const alert = await alerts.byId(id);
      if (!alert) throw notFound('alert');
      if (alert.state === 'resolved') throw conflict('the alert is already resolved');
      return alert;
    });
