import type { OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Users } from '../data/users.js';

export const listUsers =
  ({ users }: { users: Users }): OperationHandler<IdentityContract, 'listUsers'> =>
  async () => ({ users: await users.list() });
