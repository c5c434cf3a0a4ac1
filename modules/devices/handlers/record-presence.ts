import { invalid } from '../../../src/index.js';
import type { Handler } from '../handler.js';
import { markPresence } from '../presence.js';

function instant(at: string): string {
  const time = new Date(at);
  if (Number.isNaN(time.getTime())) {
    throw invalid('at must be an ISO-8601 time', { issues: [{ path: '/at', message: 'must be an ISO-8601 time' }] });
  }
  return time.toISOString();
}

/** Unknown and decommissioned devices are ignored: the edge may report a device that was just revoked. */
export const recordPresence =
  (): Handler<'recordPresence'> =>
  async ({ deviceId, online, at }, ctx) => {
    const when = instant(at);
    await ctx.transaction((tx) => markPresence(tx, deviceId, online, when));
    return {};
  };
