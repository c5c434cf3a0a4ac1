import type { JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Principal } from '../bus/envelope.js';
import { CleaveError } from '../errors.js';
import { roles } from '../kernel/module.js';
import { tokenFormat } from '../kernel/tokens.js';

/** What a token verifier checks besides the signature, and how often it may fetch the key set again. */
export interface TokenVerifierOptions {
  /** The `iss` claim every token must carry (config `identity.issuer`). */
  issuer: string;
  /** The `aud` claim every token must carry (config `identity.audience`). */
  audience: string;
  /**
   * Least time between two fetches of the key set caused by unknown key ids; default 5 000 ms. A token naming
   * an unknown key within that time waits for the next fetch rather than failing at once.
   */
  minRefetchMs?: number;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * Tokens already verified, kept until they expire or the key set changes: an EdDSA check costs far more
 * than the rest of a request, and a client sends the same token many times.
 */
const cacheSize = 10_000;

/**
 * Tokens refused for a reason that holds while the key set stays the same (a bad signature, a malformed token, an
 * expired one, wrong claims), so that a client sending the same bad token again costs no second check. A token
 * naming an unknown key, or not valid yet (`nbf`), is checked anew every time, and so is one longer than
 * `refusedLength` characters (a token of Cleave's is far shorter), so that remembering stays small.
 */
const refusedSize = 1_000;
const refusedLength = 4096;

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

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    setTimeout(resolve, ms).unref();
  });

/**
 * A verifier of Cleave access tokens: EdDSA JWTs with the `kid` of a key in the set `fetchJwks` answers, and
 * the configured issuer and audience. The set is cached. A token naming a key the set lacks (a key made by a
 * rotation since) makes the verifier fetch the set again and retry: concurrent misses share one fetch, and two
 * such fetches are at least `minRefetchMs` apart, so tokens with made-up key ids cannot flood the issuer. A key
 * id still unknown after that fetch is UNAUTHENTICATED. Verified tokens are remembered until they expire or the
 * key set is fetched again; so are refused ones, unless the refusal may change (see `refusedSize`). Every bad
 * token fails with UNAUTHENTICATED; a key set that cannot be fetched fails with UNAVAILABLE.
 */
export function createTokenVerifier(
  fetchJwks: () => Promise<{ keys: JsonWebKey[] }>,
  options: TokenVerifierOptions,
): (token: string) => Promise<Principal> {
  const minRefetchMs = options.minRefetchMs ?? 5_000;
  let keySet: KeySet | undefined;
  let fetchedAt = -Infinity;
  let pending: Promise<KeySet> | undefined;

  const fetchNow = async (): Promise<KeySet> => {
    fetchedAt = Date.now();
    try {
      keySet = createLocalJWKSet((await fetchJwks()) as unknown as JSONWebKeySet);
      return keySet;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new CleaveError('UNAVAILABLE', `token verification keys are unavailable: ${reason}`);
    }
  };
  const share = (fetch: () => Promise<KeySet>): Promise<KeySet> =>
    (pending ??= fetch().finally(() => {
      pending = undefined;
    }));
  const load = () => share(fetchNow);
  const refresh = () => share(async () => {
    await sleep(fetchedAt + minRefetchMs - Date.now());
    return fetchNow();
  });

  const verified = new Map<string, { principal: Principal; expiresAt: number; keys: KeySet }>();
  const verify = async (token: string, keys: KeySet) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [tokenFormat.algorithm],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp'],
    });
    const principal = principalOf(payload);
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, expiresAt: payload.exp! * 1000, keys });
    // The caller gets its own copy, so nothing it does to it reaches the remembered one.
    return { ...principal };
  };
  const remembered = (token: string): Principal | undefined => {
    const hit = verified.get(token);
    if (!hit) return undefined;
    if (hit.expiresAt > Date.now() && hit.keys === keySet) return { ...hit.principal };
    verified.delete(token);
    return undefined;
  };

  const isUnknownKey = (err: unknown) => (err as { code?: unknown })?.code === 'ERR_JWKS_NO_MATCHING_KEY';
  const lasts = (err: unknown) => {
    const { code, claim } = (err ?? {}) as { code?: unknown; claim?: unknown };
    return code !== 'ERR_JWKS_NO_MATCHING_KEY' && !(code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf');
  };
  const refused = new Map<string, { code: CleaveError['code']; message: string; details: unknown; keys: KeySet }>();
  const refuse = (token: string, err: unknown, keys: KeySet): CleaveError => {
    const error = asUnauthenticated(err);
    if (lasts(err) && token.length <= refusedLength) {
      if (refused.size >= refusedSize) refused.delete(refused.keys().next().value!);
      refused.set(token, { code: error.code, message: error.message, details: error.details, keys });
    }
    return error;
  };
  const refusedBefore = (token: string): CleaveError | undefined => {
    const hit = refused.get(token);
    if (!hit) return undefined;
    if (hit.keys === keySet) return new CleaveError(hit.code, hit.message, hit.details);
    refused.delete(token);
    return undefined;
  };

  return async (token) => {
    const known = remembered(token);
    if (known) return known;
    const again = refusedBefore(token);
    if (again) throw again;
    const keys = keySet ?? (await load());
    try {
      return await verify(token, keys);
    } catch (err) {
      if (!isUnknownKey(err)) throw refuse(token, err, keys);
    }
    const fresh = keySet && keySet !== keys ? keySet : await refresh();
    try {
      return await verify(token, fresh);
    } catch (err) {
      throw refuse(token, err, fresh);
    }
  };
}
