import { forbidden, notFound, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { IdentityStores } from '../stores.js';

const mayReadOthers = new Set(['admin', 'system']);

export const getUser =
  (): OperationHandler<IdentityContract, 'getUser', IdentityStores> =>
  async ({ id }, { principal, stores }) => {
    if (principal?.sub !== id && !mayReadOthers.has(principal?.role ?? '')) throw forbidden('only an admin reads other users');
    const user = await stores.users.byId(id);
    if (!user) throw notFound('user');
    return user;
  };
