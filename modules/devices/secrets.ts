import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const params = { N: 2 ** 14, r: 8, p: 1 };
const maxmem = 32 * 1024 * 1024;
const keyLength = 32;
const idAlphabet = 'abcdefghijklmnopqrstuvwxyz234567';

function derive(secret: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A slow salted hash, stored as `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, params, keyLength);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Reads the parameters from the stored hash; a malformed one never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: +N, r: +r, p: +p };
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), options, expected.length).catch(() => undefined);
  return actual !== undefined && timingSafeEqual(actual, expected);
}

/** Spends the time of one verification, so an unknown device answers as slowly as a wrong secret. */
export async function spendOneHash(secret: string): Promise<void> {
  await derive(secret, randomBytes(16), params, keyLength);
}

/** 32 random bytes, base64url: the device's MQTT password. */
export const newSecret = () => randomBytes(32).toString('base64url');

/** `d-` and 10 lower-case base32 characters (50 random bits): short, url-safe, easy to read aloud. */
export const newDeviceId = () => `d-${[...randomBytes(10)].map((byte) => idAlphabet[byte & 31]).join('')}`;
