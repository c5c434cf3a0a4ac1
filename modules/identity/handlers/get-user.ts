import { forbidden, notFound, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Users } from '../data/users.js';

const mayReadOthers = new Set(['admin', 'system']);

export const getUser =
  ({ users }: { users: Users }): OperationHandler<IdentityContract, 'getUser'> =>
  async ({ id }, { principal }) => {
    if (principal?.sub !== id && !mayReadOthers.has(principal?.role ?? '')) throw forbidden('only an admin reads other users');
    const user = await users.byId(id);
    if (!user) throw notFound('user');
    return user;
  };
