import type { Role } from './module.js';

/**
 * The access tokens Cleave verifies: JWTs signed with EdDSA (Ed25519) by the module that provides `jwks`,
 * checked on every host against that module's published key set.
 */
export const tokenFormat = {
  algorithm: 'EdDSA',
  issuer: 'cleave',
  audience: 'cleave',
} as const;

/** Claims of an access token. `sub` is the user id. */
export interface TokenClaims {
  sub: string;
  role: Role;
  email: string;
}
