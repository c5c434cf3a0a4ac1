import type { Role } from './module.js';

/**
 * The access tokens Cleave verifies: JWTs signed with EdDSA (Ed25519) by the module serving the port `jwks`,
 * checked on every host against that module's published key set. Their issuer and audience are configuration
 * (`identity.issuer`, `identity.audience`), so that the issuing module and every verifier read the same keys.
 */
export const tokenFormat = {
  algorithm: 'EdDSA',
} as const;

/** Claims of an access token besides `iss`, `aud`, `iat` and `exp`. `sub` is the user id. */
export interface TokenClaims {
  sub: string;
  role: Role;
  email: string;
}
