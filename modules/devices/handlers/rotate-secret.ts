import { notFound, type DeviceCredentials } from '../../../src/index.js';
import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';
import { newSecret, verifierOf } from '../secrets.js';

export const rotateSecret =
  ({ registry, deviceCredentials }: { registry: Registry; deviceCredentials: DeviceCredentials }): Handler<'rotateSecret'> =>
  async ({ id }, ctx) => {
    const secret = newSecret();
    const secretHash = verifierOf(secret);
    await ctx.transaction(async (tx) => {
      if (!(await registry.replaceSecretHash(tx.db, id, secretHash))) throw notFound('device');
      await tx.publish('deviceSecretRotated', { id });
      await deviceCredentials.set(id, secret);
    });
    return { id, secret };
  };
