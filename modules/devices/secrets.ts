import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { slowHash } from '../../src/index.js';

const idAlphabet = 'abcdefghijklmnopqrstuvwxyz234567';
const scheme = 'hmac-sha256';

// Secrets are 256 random bits: nobody can guess one, so a keyed SHA-256 protects a stored verifier as well as a
// slow hash would, without taking a turn on the thread pool that logins and file work share.
const mac = (secret: string, salt: Buffer) => createHmac('sha256', salt).update(secret, 'utf8').digest();

/** `hmac-sha256$<salt>$<mac>` (base64url) of a new secret, with a salt of its own. */
export function verifierOf(secret: string): string {
  const salt = randomBytes(16);
  return [scheme, salt.toString('base64url'), mac(secret, salt).toString('base64url')].join('$');
}

// Verifiers written before the keyed hash: checked without the hash queue, then replaced on first use.
const legacy = slowHash({ N: 2 ** 14 });

/** Whether `secret` matches `stored`, and whether `stored` is of an older format to replace. */
export async function verifySecret(secret: string, stored: string): Promise<{ ok: boolean; outdated: boolean }> {
  const [kind, salt, expected] = stored.split('$');
  if (kind === 'scrypt') return { ok: await legacy.verify(secret, stored), outdated: true };
  if (kind !== scheme || !salt || !expected) return { ok: false, outdated: false };
  const want = Buffer.from(expected, 'base64url');
  const got = mac(secret, Buffer.from(salt, 'base64url'));
  return { ok: want.length === got.length && timingSafeEqual(want, got), outdated: false };
}

/** The work of one check, for a device that does not exist. */
export const spendOneCheck = (secret: string) => void mac(secret, randomBytes(16));

/** 32 random bytes, base64url: the device's MQTT password. */
export const newSecret = () => randomBytes(32).toString('base64url');

/** `d-` and 10 lower-case base32 characters (50 random bits): short, url-safe, easy to read aloud. */
export const newDeviceId = () => `d-${[...randomBytes(10)].map((byte) => idAlphabet[byte & 31]).join('')}`;
