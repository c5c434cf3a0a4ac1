import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Hashing for passwords and device secrets: salted scrypt, stored as `scrypt$N$r$p$salt$hash` (base64url). */
export interface SlowHash {
  hash(secret: string): Promise<string>;
  /** Reads the parameters from the stored hash, so older hashes still verify; a malformed one never matches. */
  verify(secret: string, stored: string): Promise<boolean>;
  /** Spends the time of one verification, so an unknown account answers as slowly as a wrong secret. */
  spend(secret: string): Promise<void>;
}

const keyLength = 32;

/** A slow hash with scrypt cost `N` (a power of two; r=8, p=1). Secrets are NFC-normalised first. */
export function slowHash(options: { N: number }): SlowHash {
  const params = { N: options.N, r: 8, p: 1 };
  const derive = (secret: string, salt: Buffer, scryptOptions: ScryptOptions, length: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const maxmem = 256 * (scryptOptions.N ?? 1) * (scryptOptions.r ?? 8);
      scrypt(secret.normalize('NFC'), salt, length, { ...scryptOptions, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
    });
  return {
    async hash(secret) {
      const salt = randomBytes(16);
      const hash = await derive(secret, salt, params, keyLength);
      return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
    },
    async verify(secret, stored) {
      const [scheme, N, r, p, salt, hash] = stored.split('$');
      if (scheme !== 'scrypt' || !salt || !hash) return false;
      const expected = Buffer.from(hash, 'base64url');
      const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: +N, r: +r, p: +p }, expected.length).catch(() => undefined);
      return actual !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    async spend(secret) {
      await derive(secret, randomBytes(16), params, keyLength);
    },
  };
}
