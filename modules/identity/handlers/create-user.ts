import { randomUUID } from 'node:crypto';
import { conflict, type OperationHandler } from '../../../src/index.js';
import type { IdentityContract, User } from '../contract.js';
import type { Passwords } from '../passwords.js';
import { isUniqueViolation, type IdentityStores } from '../stores.js';

interface Deps {
  passwords: Passwords;
  clock: () => Date;
}

const emailTaken = () => conflict('a user with this email already exists');

export const createUser =
  ({ passwords, clock }: Deps): OperationHandler<IdentityContract, 'createUser', IdentityStores> =>
  async (input, ctx) => {
    const email = input.email.toLowerCase();
    if (await ctx.stores.users.emailTaken(email)) throw emailTaken();
    const user: User = { id: randomUUID(), email, role: input.role, createdAt: clock().toISOString() };
    const passwordHash = await passwords.hash(input.password);
    try {
      await ctx.transaction(async (tx) => {
        await tx.stores.users.insert({ ...user, passwordHash });
        await tx.publish('userCreated', { id: user.id, email: user.email, role: user.role });
      });
    } catch (err) {
      throw isUniqueViolation(err) ? emailTaken() : err;
    }
    return user;
  };
