import type { Tx } from '../../src/index.js';
import type { devicesContract } from './contract.js';
import type { Registry } from './data/devices.js';

/** Marks a device online or offline as seen at `at` (ISO-8601), and publishes the change when it is one. */
export async function markPresence(registry: Registry, tx: Tx<typeof devicesContract>, deviceId: string, online: boolean, at: string): Promise<void> {
  const changed = await registry.setOnline(tx.db, deviceId, online);
  await registry.touch(tx.db, deviceId, at);
  if (changed) await tx.publish(online ? 'deviceConnected' : 'deviceDisconnected', { id: deviceId, at });
}
