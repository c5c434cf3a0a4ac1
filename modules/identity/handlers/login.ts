import { unauthenticated, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { Users } from '../store.js';
import { spendOneHash, verifyPassword } from '../passwords.js';
import type { Tokens } from '../tokens.js';

interface Deps {
  users: Users;
  tokens: Tokens;
}

const refused = () => unauthenticated('invalid email or password');

export const login =
  ({ users, tokens }: Deps): OperationHandler<IdentityContract, 'login'> =>
  async (input) => {
    const found = await users.credentialsOf(input.email.toLowerCase());
    if (!found) {
      await spendOneHash(input.password);
      throw refused();
    }
    if (!(await verifyPassword(input.password, found.passwordHash))) throw refused();
    return tokens.issue(found.user);
  };
