import { conflict, notFound, type CallContext } from '../../../src/index.js';
import { devicesContract } from '../../devices/contract.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/**
 * Fails unless the device is registered and not decommissioned. Devices' events tell; a device registered
 * moments ago (or before this module existed) may not be known yet, so then the registry itself is asked.
 */
export async function requireLiveDevice(deviceId: string, ctx: CallContext<typeof commandsContract, CommandsStores>): Promise<void> {
  const known = await ctx.stores.knownDevices.byId(deviceId);
  if (known?.decommissioned) throw conflict(`device ${deviceId} is decommissioned: it takes no more commands`);
  if (known) return;
  try {
    await ctx.client(devicesContract).getDevice({ id: deviceId });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'NOT_FOUND') throw notFound(`device ${deviceId}`);
    throw err;
  }
  await ctx.transaction((tx) => tx.stores.knownDevices.learn(deviceId));
}
