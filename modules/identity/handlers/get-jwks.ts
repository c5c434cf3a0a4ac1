import type { OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Tokens } from '../tokens.js';

export const getJwks =
  ({ tokens }: { tokens: Tokens }): OperationHandler<IdentityContract, 'getJwks'> =>
  async () => ({ keys: await tokens.publicKeys() });
