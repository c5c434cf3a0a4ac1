import type { devicePorts } from '../../../src/index.js';
import type { Handler } from '../handler.js';
import { markPresence } from '../presence.js';
import { readStatus } from '../status-payload.js';

const accepted: devicePorts.DeviceResult = { accepted: true };

/**
 * Presence the devices reported on their `status` topic (e.g. a last will), in one transaction for the group;
 * anything but `{"online": true|false}` is refused. Unknown and decommissioned devices are ignored, as in `recordPresence`.
 */
export const recordStatus =
  (): Handler<'recordStatus'> =>
  async ({ messages }, ctx) => {
    const results = messages.map((message) => readStatus(message.payload));
    await ctx.transaction(async (tx) => {
      for (const [i, result] of results.entries()) {
        if (!('online' in result)) continue;
        const { deviceId, receivedAt } = messages[i];
        await markPresence(tx, deviceId, result.online, new Date(receivedAt).toISOString());
      }
    });
    return { results: results.map((result) => ('online' in result ? accepted : result)) };
  };
