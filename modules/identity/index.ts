import { defineModule } from '../../src/index.js';
import { identitySettings } from './config.js';
import { identityContract } from './contract.js';
import { bootstrapAdmin } from './handlers/bootstrap-admin.js';
import { createUser } from './handlers/create-user.js';
import { getJwks } from './handlers/get-jwks.js';
import { getUser } from './handlers/get-user.js';
import { listUsers } from './handlers/list-users.js';
import { login } from './handlers/login.js';
import { rotateSigningKey } from './handlers/rotate-signing-key.js';
import { makeLoginLimits } from './login-limits.js';
import { makePasswords } from './passwords.js';
import { identityStores } from './stores.js';
import { makeTokens } from './tokens.js';

export default defineModule({
  contract: identityContract,
  config: identitySettings,
  handlers: { createUser, login, getUser, listUsers, getJwks, rotateSigningKey },
  stores: identityStores,
  register: { tokens: makeTokens, passwords: makePasswords, loginLimits: makeLoginLimits },
  routes: [
    { method: 'POST', path: '/users', access: 'admin', status: 201, operation: 'createUser' },
    { method: 'POST', path: '/login', access: 'public', operation: 'login', input: (req) => ({ ...(req.body as object), address: req.address }) },
    { method: 'GET', path: '/me', access: 'viewer', operation: 'getUser', input: (req) => ({ id: req.principal!.sub }) },
    { method: 'GET', path: '/users', access: 'admin', operation: 'listUsers' },
    { method: 'GET', path: '/users/:id', access: 'admin', operation: 'getUser' },
    { method: 'POST', path: '/keys/rotate', access: 'admin', operation: 'rotateSigningKey' },
  ],
  start: bootstrapAdmin,
  ports: { jwks: 'getJwks' },
  dashboard: { login: 'login' },
});
