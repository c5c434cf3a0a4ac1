import { setting, type ConfigOf } from '../../src/index.js';

/** Identity's configuration slice: keys `identity.*`, env `CLEAVE_IDENTITY_*`. */
export const identitySettings = {
  adminEmail: setting.string({
    doc: 'Email of the admin created on a first start with no users; empty is admin@localhost.',
    default: '', allowEmpty: true, pattern: /^[^@\s]+@[^@\s]+$/, rule: 'must be empty or an email address',
    formerEnv: 'CLEAVE_ADMIN_EMAIL',
  }),
  adminPassword: setting.string({
    doc: 'Password of that admin, 8 to 256 characters; empty prints a random one to the log once.',
    default: '', allowEmpty: true, pattern: /^.{8,256}$/s, rule: 'must be empty or 8 to 256 characters', sensitive: true,
    formerEnv: 'CLEAVE_ADMIN_PASSWORD',
  }),
  tokenTtl: setting.int({ doc: 'Lifetime of an access token, in seconds.', default: 3600, min: 1, formerEnv: 'CLEAVE_TOKEN_TTL' }),
  loginLimits: {
    perAccount: setting.int({
      doc: 'Failed logins one account may have in a minute; past that every login of that account is refused with 429 until the oldest failure is a minute old.',
      default: 5, min: 1, max: 1_000_000, formerEnv: 'CLEAVE_LOGIN_LIMIT_PER_ACCOUNT',
    }),
    perAddress: setting.int({
      doc: 'Failed logins one client address may have in a minute, whatever the accounts; past that its logins are refused with 429.',
      default: 20, min: 1, max: 1_000_000, formerEnv: 'CLEAVE_LOGIN_LIMIT_PER_ADDRESS',
    }),
  },
};

export type IdentityConfig = ConfigOf<typeof identitySettings>;
