import { CleaveError, type CallContext, type Logger } from '../../../src/index.js';
import type { IdentityContract } from '../contract.js';
import type { IdentityStores } from '../stores.js';
import { randomPassword, type Passwords } from '../passwords.js';
import type { IdentityConfig } from '../config.js';
import { createUser } from './create-user.js';

interface Deps {
  passwords: Passwords;
  config: IdentityConfig;
  log: Logger;
  clock: () => Date;
}

const defaultAdminEmail = 'admin@localhost';

/** On a first start with no users, creates an admin so someone can log in and create the others. */
export const bootstrapAdmin = (deps: Deps) => {
  const create = createUser(deps);
  const { config, log } = deps;
  return async (ctx: CallContext<IdentityContract, IdentityStores>) => {
    if (await ctx.stores.users.any()) return;
    const { adminEmail, adminPassword } = config;
    const password = adminPassword || randomPassword();
    let email: string;
    try {
      ({ email } = await create({ email: adminEmail || defaultAdminEmail, password, role: 'admin' }, ctx));
    } catch (err) {
      // Another replica starting at the same moment created it first.
      if (err instanceof CleaveError && err.code === 'CONFLICT') return;
      throw err;
    }
    if (adminPassword) log.info({ email }, 'created the first admin from configuration');
    else {
      log.warn(
        `created the first admin: ${email} / ${password} ` +
          '(set CLEAVE_IDENTITY_ADMIN_EMAIL and CLEAVE_IDENTITY_ADMIN_PASSWORD to choose them)',
      );
    }
  };
};
