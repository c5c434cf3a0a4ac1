import type { JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Principal } from '../bus/envelope.js';
import { CleaveError } from '../errors.js';
import { roles } from '../kernel/module.js';
import { tokenFormat } from '../kernel/tokens.js';

/** Tuning of a token verifier. */
export interface TokenVerifierOptions {
  /** Least time between two fetches of the key set caused by unknown key ids; default 10 000 ms. */
  minRefetchMs?: number;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * Tokens already verified, kept until they expire or the key set changes: an EdDSA check costs far more
 * than the rest of a request, and a client sends the same token many times.
 */
const cacheSize = 10_000;

const invalidToken = (reason?: string) =>
  new CleaveError('UNAUTHENTICATED', reason ? `invalid token: ${reason}` : 'invalid token');

function principalOf(payload: JWTPayload): Principal {
  const { sub, role, email } = payload as { sub?: unknown; role?: unknown; email?: unknown };
  if (typeof sub !== 'string' || sub === '') throw invalidToken('missing claim "sub"');
  if (typeof role !== 'string') throw invalidToken('missing claim "role"');
  if (!(roles as readonly string[]).includes(role)) throw invalidToken(`unknown role "${role}"`);
  if (email !== undefined && typeof email !== 'string') throw invalidToken('claim "email" must be a string');
  return email === undefined ? { sub, role: role as Principal['role'] } : { sub, role: role as Principal['role'], email };
}

function asUnauthenticated(err: unknown): CleaveError {
  if (err instanceof CleaveError) return err;
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_JWT_EXPIRED') return new CleaveError('UNAUTHENTICATED', 'token expired');
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof message === 'string') return invalidToken(message);
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return invalidToken('signed with an unknown key');
  return invalidToken();
}

/**
 * A verifier of Cleave access tokens: EdDSA JWTs with the issuer and audience of `tokenFormat`, checked
 * against the key set `fetchJwks` answers. The set is cached and fetched again (at most once per
 * `minRefetchMs`) when a token names a key it lacks. Verified tokens are remembered until they expire or
 * the key set is fetched again. Every bad token fails with UNAUTHENTICATED; a key set
 * that cannot be fetched fails with UNAVAILABLE.
 */
export function createTokenVerifier(
  fetchJwks: () => Promise<{ keys: JsonWebKey[] }>,
  options: TokenVerifierOptions = {},
): (token: string) => Promise<Principal> {
  const minRefetchMs = options.minRefetchMs ?? 10_000;
  let keySet: KeySet | undefined;
  let fetchedAt = -Infinity;
  let pending: Promise<KeySet> | undefined;

  const load = (): Promise<KeySet> => {
    pending ??= fetchJwks()
      .then((jwks) => {
        keySet = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
        fetchedAt = Date.now();
        return keySet;
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        throw new CleaveError('UNAVAILABLE', `token verification keys are unavailable: ${reason}`);
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const verified = new Map<string, { principal: Principal; expiresAt: number; keys: KeySet }>();
  const verify = async (token: string, keys: KeySet) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [tokenFormat.algorithm],
      issuer: tokenFormat.issuer,
      audience: tokenFormat.audience,
      requiredClaims: ['exp'],
    });
    const principal = principalOf(payload);
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, expiresAt: payload.exp! * 1000, keys });
    return principal;
  };
  const remembered = (token: string): Principal | undefined => {
    const hit = verified.get(token);
    if (!hit) return undefined;
    if (hit.expiresAt > Date.now() && hit.keys === keySet) return { ...hit.principal };
    verified.delete(token);
    return undefined;
  };

  const isUnknownKey = (err: unknown) => (err as { code?: unknown })?.code === 'ERR_JWKS_NO_MATCHING_KEY';

  return async (token) => {
    const known = remembered(token);
    if (known) return known;
    const keys = keySet ?? (await load());
    try {
      return await verify(token, keys);
    } catch (err) {
      if (!isUnknownKey(err)) throw asUnauthenticated(err);
    }
    const fresh =
      keySet && keySet !== keys
        ? keySet
        : pending
          ? await pending
          : Date.now() - fetchedAt >= minRefetchMs
            ? await load()
            : undefined;
    if (!fresh) throw invalidToken('signed with an unknown key');
    try {
      return await verify(token, fresh);
    } catch (err) {
      throw asUnauthenticated(err);
    }
  };
}
