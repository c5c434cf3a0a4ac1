import { randomBytes } from 'node:crypto';
import { slowHash } from '../../src/index.js';

// Secrets are 256 random bits, so a lighter cost than for passwords keeps connects fast and stays strong.
const secrets = slowHash({ N: 2 ** 14 });
const idAlphabet = 'abcdefghijklmnopqrstuvwxyz234567';

export const hashSecret = secrets.hash;
export const verifySecret = secrets.verify;
export const spendOneHash = secrets.spend;

/** 32 random bytes, base64url: the device's MQTT password. */
export const newSecret = () => randomBytes(32).toString('base64url');

/** `d-` and 10 lower-case base32 characters (50 random bits): short, url-safe, easy to read aloud. */
export const newDeviceId = () => `d-${[...randomBytes(10)].map((byte) => idAlphabet[byte & 31]).join('')}`;
