import type { OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Keys } from '../data/keys.js';
import { newSigningKey, type Tokens } from '../tokens.js';

interface Deps {
  keys: Keys;
  tokens: Tokens;
  clock: () => Date;
}

export const rotateSigningKey =
  ({ keys, tokens, clock }: Deps): OperationHandler<IdentityContract, 'rotateSigningKey'> =>
  async (_input, ctx) => {
    const now = clock();
    const next = await newSigningKey(now);
    // The keys it replaces verify until every token they signed has expired.
    const retiresAt = new Date(now.getTime() + tokens.tokenTtl * 1000).toISOString();
    const retiring = await ctx.transaction(async (tx) => {
      const replaced = await keys.rotate(tx.db, next, retiresAt);
      await tx.publish('signingKeyRotated', { kid: next.kid, retiring: replaced });
      return replaced;
    });
    return { kid: next.kid, retiring };
  };
