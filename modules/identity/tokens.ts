import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import { tokenFormat, type TokenClaims } from '../../src/index.js';
import type { LoginOutput, PublicJwk, User } from './contract.js';
import type { Keys, StoredKey } from './data/keys.js';
import { settingsOf } from './settings.js';

interface Deps {
  keys: Keys;
  config: Record<string, unknown>;
  clock: () => Date;
}

/** Every host creating the first key writes the same kid, so a race leaves exactly one key behind. */
const firstKid = 'identity-1';

async function newKey(kid: string, now: Date): Promise<StoredKey> {
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

/** Issues access tokens with identity's signing key, creating the key on first use. */
export function makeTokens({ keys, config, clock }: Deps) {
  const { tokenTtl } = settingsOf(config);
  let signer: Promise<{ kid: string; key: Awaited<ReturnType<typeof importJWK>> }> | undefined;

  async function signingKey(): Promise<StoredKey> {
    const stored = await keys.newest();
    if (stored) return stored;
    await keys.insertIfAbsent(await newKey(firstKid, clock()));
    return (await keys.newest())!;
  }

  function currentSigner() {
    signer ??= signingKey()
      .then(async ({ kid, privateJwk }) => ({ kid, key: await importJWK(privateJwk, tokenFormat.algorithm) }))
      .catch((err) => {
        signer = undefined;
        throw err;
      });
    return signer;
  }

  return {
    async issue(user: User): Promise<LoginOutput> {
      const { kid, key } = await currentSigner();
      const now = Math.floor(clock().getTime() / 1000);
      const expires = now + tokenTtl;
      const claims: Omit<TokenClaims, 'sub'> = { role: user.role, email: user.email };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: tokenFormat.algorithm, kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(tokenFormat.issuer)
        .setAudience(tokenFormat.audience)
        .setIssuedAt(now)
        .setExpirationTime(expires)
        .sign(key);
      return { token, expiresAt: new Date(expires * 1000).toISOString() };
    },

    async publicKeys(): Promise<PublicJwk[]> {
      await currentSigner();
      return (await keys.publicJwks()).map(toPublicJwk);
    },
  };
}

export type Tokens = ReturnType<typeof makeTokens>;
