import type { EventHandler } from '../../../src/index.js';
import type { telemetryContract } from '../../telemetry/contract.js';
import type { alertsContract } from '../contract.js';
import type { Lifecycle } from '../lifecycle.js';
import { alertKey, type AlertsStores } from '../stores.js';
import { breaches } from '../thresholds.js';

/** The readings in time order (stable), each time parsed once rather than at every comparison. */
function inTimeOrder<R extends { ts: string }>(readings: R[]): R[] {
  const times = readings.map((reading) => Date.parse(reading.ts));
  return readings.map((_, i) => i).sort((a, b) => times[a] - times[b] || 0).map((i) => readings[i]);
}

/**
 * For each device of the group, walks each rule watching it through its readings in time order: a breach raises,
 * a recovery resolves. The rules and the unresolved alerts of the whole group are read at once.
 */
export const onReadingsRecorded =
  ({ lifecycle }: { lifecycle: Lifecycle }): EventHandler<typeof alertsContract, typeof telemetryContract, 'readingsRecorded', AlertsStores> =>
  async ({ devices }, ctx) => {
    const recorded = devices.filter((device) => device.readings.length);
    if (!recorded.length) return;
    const deviceIds = recorded.map((device) => device.deviceId);
    const metrics = new Set(recorded.flatMap((device) => device.readings.map((reading) => reading.metric)));
    await ctx.transaction(async (tx) => {
      const { rules, alerts } = tx.stores;
      const watching = await rules.watching(deviceIds, [...metrics]);
      if (!watching.length) return;
      const unresolved = await alerts.unresolvedOnAny(deviceIds, watching.map((rule) => rule.id));
      for (const { deviceId, readings } of recorded) {
        const inOrder = inTimeOrder(readings);
        for (const rule of watching) {
          if (rule.deviceId !== null && rule.deviceId !== deviceId) continue;
          let active = unresolved.get(alertKey(rule.id, deviceId));
          for (const { metric, value } of inOrder) {
            if (metric !== rule.metric) continue;
            if (breaches(rule, value)) active ??= await lifecycle.raise(tx, rule, deviceId, value);
            else if (active) {
              await lifecycle.resolve(tx, { id: active.id });
              active = undefined;
            }
          }
        }
      }
    });
  };
