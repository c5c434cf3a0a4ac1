import type { OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { IdentityStores } from '../stores.js';

export const listUsers =
  (): OperationHandler<IdentityContract, 'listUsers', IdentityStores> =>
  async (_input, { stores }) => ({ users: await stores.users.list() });
