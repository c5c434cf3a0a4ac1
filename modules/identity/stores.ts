import { makeKeys } from './data/keys.js';
import { makeUsers } from './data/users.js';

export { isUniqueViolation, type Users } from './data/users.js';

export const identityStores = { users: makeUsers, keys: makeKeys };

export type IdentityStores = typeof identityStores;
