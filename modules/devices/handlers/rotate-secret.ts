import { notFound, type SealSecret } from '../../../src/index.js';
import type { Registry } from '../data/devices.js';
import type { Handler } from '../handler.js';
import { newSecret, verifierOf } from '../secrets.js';

export const rotateSecret =
  ({ registry, sealSecret }: { registry: Registry; sealSecret: SealSecret }): Handler<'rotateSecret'> =>
  async ({ id }, ctx) => {
    const secret = newSecret();
    const secretHash = verifierOf(secret);
    await ctx.transaction(async (tx) => {
      if (!(await registry.replaceSecretHash(tx.db, id, secretHash))) throw notFound('device');
      await tx.publish('deviceSecretRotated', { id });
      await tx.publish('deviceSecretIssued', { id, secret: sealSecret(id, secret) });
    });
    return { id, secret };
  };
