import { randomUUID } from 'node:crypto';
import type { Tx } from '../../src/index.js';
import type { Alert, Rule, alertsContract } from './contract.js';
import type { AlertSelector, Alerts } from './data/alerts.js';

type AlertsTx = Tx<typeof alertsContract>;

interface Deps {
  alerts: Alerts;
  clock: () => Date;
}

/** Opening and resolving alerts, each change with its event in the caller's transaction. */
export function makeLifecycle({ alerts, clock }: Deps) {
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
      if (!(await alerts.insertIfNoneUnresolved(tx.db, alert))) {
        return (await alerts.unresolvedOn(tx.db, deviceId, [rule.id])).get(rule.id);
      }
      const { id, ruleId, metric, threshold } = alert;
      await tx.publish('alertRaised', { id, ruleId, deviceId, metric, value, threshold });
      return alert;
    },

    async resolve(tx: AlertsTx, selector: AlertSelector): Promise<void> {
      for (const { id, ruleId, deviceId } of await alerts.resolve(tx.db, selector, clock().toISOString())) {
        await tx.publish('alertResolved', { id, ruleId, deviceId });
      }
    },
  };
}

export type Lifecycle = ReturnType<typeof makeLifecycle>;
