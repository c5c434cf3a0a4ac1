import { notFound, type DeviceCredentials } from '../../../src/index.js';
import type { Handler } from '../handler.js';
import { newSecret, verifierOf } from '../secrets.js';

export const rotateSecret =
  ({ deviceCredentials }: { deviceCredentials: DeviceCredentials }): Handler<'rotateSecret'> =>
  async ({ id }, ctx) => {
    const secret = newSecret();
    const secretHash = verifierOf(secret);
    await ctx.transaction(async (tx) => {
      if (!(await tx.stores.registry.replaceSecretHash(id, secretHash))) throw notFound('device');
      await tx.publish('deviceSecretRotated', { id });
      await deviceCredentials.set(id, secret);
    });
    return { id, secret };
  };
