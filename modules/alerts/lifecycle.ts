import { randomUUID } from 'node:crypto';
import type { Tx } from '../../src/index.js';
import type { Alert, Rule, alertsContract } from './contract.js';
import type { AlertSelector } from './data/alerts.js';
import type { AlertsStores } from './stores.js';

type AlertsTx = Tx<typeof alertsContract, AlertsStores>;

/** Opening and resolving alerts, each change with its event in the caller's transaction. */
export function makeLifecycle({ clock }: { clock: () => Date }) {
  return {
    /** Opens an alert for the breach, or returns the unresolved one this (rule, device) already has. */
    async raise(tx: AlertsTx, rule: Rule, deviceId: string, value: number): Promise<Alert | undefined> {
      const alert: Alert = {
        id: randomUUID(),
        ruleId: rule.id,
        ruleName: rule.name,
        deviceId,
        metric: rule.metric,
        state: 'open',
        value,
        threshold: rule.threshold,
        raisedAt: clock().toISOString(),
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
      };
      const { alerts } = tx.stores;
      if (!(await alerts.insertIfNoneUnresolved(alert))) {
        return (await alerts.unresolvedOn(deviceId, [rule.id])).get(rule.id);
      }
      const { id, ruleId, metric, threshold } = alert;
      await tx.publish('alertRaised', { id, ruleId, deviceId, metric, value, threshold });
      return alert;
    },

    async resolve(tx: AlertsTx, selector: AlertSelector): Promise<void> {
      for (const { id, ruleId, deviceId } of await tx.stores.alerts.resolve(selector, clock().toISOString())) {
        await tx.publish('alertResolved', { id, ruleId, deviceId });
      }
    },
  };
}

export type Lifecycle = ReturnType<typeof makeLifecycle>;
