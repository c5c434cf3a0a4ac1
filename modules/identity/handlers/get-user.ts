import { notFound, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Users } from '../store.js';

export const getUser =
  ({ users }: { users: Users }): OperationHandler<IdentityContract, 'getUser'> =>
  async ({ id }) => {
    const user = await users.byId(id);
    if (!user) throw notFound('user');
    return user;
  };
