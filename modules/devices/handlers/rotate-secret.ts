import { notFound, type SealSecret } from '../../../src/index.js';
import type { Handler } from '../handler.js';
import { newSecret, verifierOf } from '../secrets.js';

export const rotateSecret =
  ({ sealSecret }: { sealSecret: SealSecret }): Handler<'rotateSecret'> =>
  async ({ id }, ctx) => {
    const secret = newSecret();
    const secretHash = verifierOf(secret);
    await ctx.transaction(async (tx) => {
      if (!(await tx.stores.registry.replaceSecretHash(id, secretHash))) throw notFound('device');
      await tx.publish('deviceSecretRotated', { id });
      await tx.publish('deviceSecretIssued', { id, secret: sealSecret(id, secret) });
    });
    return { id, secret };
  };
