import type { EventHandler } from '../../../src/index.js';
import type { telemetryContract } from '../../telemetry/contract.js';
import type { alertsContract } from '../contract.js';
import type { Lifecycle } from '../lifecycle.js';
import type { AlertsStores } from '../stores.js';
import { breaches } from '../thresholds.js';

const byTime = (a: { ts: string }, b: { ts: string }) => Date.parse(a.ts) - Date.parse(b.ts) || 0;

/** Walks each matching rule through the device's readings in time order: a breach raises, a recovery resolves. */
export const onReadingsRecorded =
  ({ lifecycle }: { lifecycle: Lifecycle }): EventHandler<typeof alertsContract, typeof telemetryContract, 'readingsRecorded', AlertsStores> =>
  async ({ deviceId, readings }, ctx) => {
    if (!readings.length) return;
    await ctx.transaction(async (tx) => {
      const { rules, alerts } = tx.stores;
      const watching = await rules.watching(deviceId, [...new Set(readings.map((reading) => reading.metric))]);
      if (!watching.length) return;
      const inOrder = [...readings].sort(byTime);
      const unresolved = await alerts.unresolvedOn(deviceId, watching.map((rule) => rule.id));
      for (const rule of watching) {
        let active = unresolved.get(rule.id);
        for (const { metric, value } of inOrder) {
          if (metric !== rule.metric) continue;
          if (breaches(rule, value)) active ??= await lifecycle.raise(tx, rule, deviceId, value);
          else if (active) {
            await lifecycle.resolve(tx, { id: active.id });
            active = undefined;
          }
        }
      }
    });
  };
