import type { Tx } from '../../src/index.js';
import type { devicesContract } from './contract.js';
import type { DevicesStores } from './stores.js';

/** Marks a device online or offline as seen at `at` (ISO-8601), and publishes the change when it is one. */
export async function markPresence(tx: Tx<typeof devicesContract, DevicesStores>, deviceId: string, online: boolean, at: string): Promise<void> {
  const changed = await tx.stores.registry.setOnline(deviceId, online);
  await tx.stores.registry.touch(deviceId, at);
  if (changed) await tx.publish(online ? 'deviceConnected' : 'deviceDisconnected', { id: deviceId, at });
}
