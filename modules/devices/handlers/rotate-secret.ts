import { notFound } from '../../../src/index.js';
import type { Registry } from '../store.js';
import type { Handler } from '../handler.js';
import { hashSecret, newSecret } from '../secrets.js';

export const rotateSecret =
  ({ registry }: { registry: Registry }): Handler<'rotateSecret'> =>
  async ({ id }, ctx) => {
    const secret = newSecret();
    const secretHash = await hashSecret(secret);
    await ctx.transaction(async (tx) => {
      if (!(await registry.replaceSecretHash(tx.db, id, secretHash))) throw notFound('device');
      await tx.publish('deviceSecretRotated', { id });
    });
    return { id, secret };
  };
