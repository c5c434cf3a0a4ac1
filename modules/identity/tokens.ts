import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import { tokenFormat, type TokenClaims } from '../../src/index.js';
import type { LoginOutput, PublicJwk, User } from './contract.js';
import type { Keys, StoredKey } from './data/keys.js';
import type { IdentityConfig } from './config.js';

interface Deps {
  stores: { keys: Keys };
  config: IdentityConfig;
  tokenClaims: { issuer: string; audience: string };
  clock: () => Date;
}

/** Every host creating the first key writes the same kid, so a race leaves exactly one key behind. */
const firstKid = 'identity-1';

/** A fresh Ed25519 key pair as identity stores it; `kid` defaults to a random one. */
export async function newSigningKey(now: Date, kid = `identity-${randomBytes(8).toString('hex')}`): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(tokenFormat.algorithm, { crv: 'Ed25519', extractable: true });
  const usage = { kid, alg: tokenFormat.algorithm, use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...usage },
    publicJwk: { ...(await exportJWK(publicKey)), ...usage },
    createdAt: now.toISOString(),
  };
}

const toPublicJwk = ({ kid, kty, crv, x, alg, use }: Record<string, unknown>) => ({ kid, kty, crv, x, alg, use }) as PublicJwk;

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

/**
 * Issues access tokens with identity's current signing key, creating the first key on first use. The current
 * key is read from the store for every token, so a rotation on any replica takes effect on all of them.
 */
export function makeTokens({ stores: { keys }, config, tokenClaims, clock }: Deps) {
  const { tokenTtl } = config;
  const { issuer, audience } = tokenClaims;
  let imported: { kid: string; key: Promise<PrivateKey> } | undefined;

  async function currentKey(): Promise<StoredKey> {
    const stored = await keys.current();
    if (stored) return stored;
    await keys.insertIfAbsent(await newSigningKey(clock(), firstKid));
    return (await keys.current())!;
  }

  async function signer(): Promise<{ kid: string; key: PrivateKey }> {
    const { kid, privateJwk } = await currentKey();
    if (imported?.kid !== kid) imported = { kid, key: importJWK(privateJwk, tokenFormat.algorithm) };
    return { kid, key: await imported.key };
  }

  return {
    tokenTtl,

    async issue(user: User): Promise<LoginOutput> {
      const { kid, key } = await signer();
      const now = Math.floor(clock().getTime() / 1000);
      const expires = now + tokenTtl;
      const claims: Omit<TokenClaims, 'sub'> = { role: user.role, email: user.email };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: tokenFormat.algorithm, kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(expires)
        .sign(key);
      return { token, expiresAt: new Date(expires * 1000).toISOString() };
    },

    async publicKeys(): Promise<PublicJwk[]> {
      await currentKey();
      return (await keys.publicJwks(clock().toISOString())).map(toPublicJwk);
    },
  };
}

export type Tokens = ReturnType<typeof makeTokens>;
