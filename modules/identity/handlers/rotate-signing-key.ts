import type { OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { IdentityStores } from '../stores.js';
import { newSigningKey, type Tokens } from '../tokens.js';

interface Deps {
  tokens: Tokens;
  clock: () => Date;
}

export const rotateSigningKey =
  ({ tokens, clock }: Deps): OperationHandler<IdentityContract, 'rotateSigningKey', IdentityStores> =>
  async (_input, ctx) => {
    const now = clock();
    const next = await newSigningKey(now);
    // The keys it replaces verify until every token they signed has expired.
    const retiresAt = new Date(now.getTime() + tokens.tokenTtl * 1000).toISOString();
    const retiring = await ctx.transaction(async (tx) => {
      const replaced = await tx.stores.keys.rotate(next, retiresAt);
      await tx.publish('signingKeyRotated', { kid: next.kid, retiring: replaced });
      return replaced;
    });
    return { kid: next.kid, retiring };
  };
