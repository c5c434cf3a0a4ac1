import { createPublicKey } from 'node:crypto';
import { SignJWT, importJWK, type JWTPayload } from 'jose';
import type { TestHost } from '../../../test/support/host.js';

/** A key set as `/.well-known/jwks.json` answers it. */
export interface KeySet {
  keys: Array<Record<string, unknown>>;
}

/** Fetches the key set over HTTP, without a token, with the response headers it came with. */
export async function publishedKeys(baseUrl: string): Promise<{ status: number; headers: Headers; body: KeySet }> {
  const res = await fetch(`${baseUrl}/.well-known/jwks.json`);
  return { status: res.status, headers: res.headers, body: res.status === 200 ? ((await res.json()) as KeySet) : { keys: [] } };
}

export const kids = (set: KeySet) => set.keys.map((key) => key.kid as string).sort();

/** The PEM of a published key, for libraries that take keys in that form. */
export const pemOf = (jwk: Record<string, unknown>) =>
  createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;

const now = () => Math.floor(Date.now() / 1000);

/** The current signing key from identity's own store: the only way to mint a token that differs in one claim. */
export async function currentKey(host: TestHost) {
  await host.login(); // the first login makes the first key
  const row = await host.host.database('identity')!('signing_keys').whereNull('retired_at').orderBy('created_at', 'desc').first();
  return { kid: row.kid as string, key: await importJWK(JSON.parse(row.private_jwk), 'EdDSA') };
}

/** Signs like identity does with `key`, then applies `change` to the claims. */
export async function signLikeIdentity(
  { kid, key }: { kid: string; key: Parameters<SignJWT['sign']>[0] },
  claims: JWTPayload & { iss?: string; aud?: string } = {},
) {
  return new SignJWT({ sub: 'user-1', role: 'admin', email: 'admin@example.test', iss: 'cleave', aud: 'cleave', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setIssuedAt(now())
    .setExpirationTime(now() + 600)
    .sign(key);
}
