import { unauthenticated, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { LoginLimits } from '../login-limits.js';
import type { Passwords } from '../passwords.js';
import type { Tokens } from '../tokens.js';
import type { IdentityStores, Users } from '../stores.js';

interface Deps {
  tokens: Tokens;
  passwords: Passwords;
  loginLimits: LoginLimits;
}

const refused = () => unauthenticated('invalid email or password');

export const login = ({ tokens, passwords, loginLimits }: Deps): OperationHandler<IdentityContract, 'login', IdentityStores> => {
  async function check(users: Users, email: string, password: string, deadline?: number) {
    const found = await users.credentialsOf(email);
    if (!found) {
      await passwords.spend(password, deadline);
      throw refused();
    }
    if (!(await passwords.verify(password, found.passwordHash, deadline))) throw refused();
    return found.user;
  }

  return async (input, ctx) => {
    const email = input.email.toLowerCase();
    const attempt = loginLimits.attempt(email, input.address);
    try {
      const user = await check(ctx.stores.users, email, input.password, ctx.message.deadline);
      attempt.forget();
      return await tokens.issue(user);
    } catch (err) {
      // Only a wrong email or password counts; a full hash queue or a store outage says nothing about the guess.
      if ((err as { code?: string }).code !== 'UNAUTHENTICATED') attempt.forget();
      throw err;
    }
  };
};
