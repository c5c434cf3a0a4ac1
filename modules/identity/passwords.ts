import { randomBytes } from 'node:crypto';
import { slowHash, type HashQueue } from '../../src/index.js';

/** Passwords as salted scrypt, computed through the host's bounded hash queue. */
export const makePasswords = ({ hashQueue }: { hashQueue: HashQueue }) => slowHash({ N: 2 ** 15, queue: hashQueue });

export type Passwords = ReturnType<typeof makePasswords>;

/** A random password for a generated account: 24 base64url characters. */
export const randomPassword = () => randomBytes(18).toString('base64url');
