import { randomBytes } from 'node:crypto';
import { slowHash } from '../../src/index.js';

const passwords = slowHash({ N: 2 ** 15 });

export const hashPassword = passwords.hash;
export const verifyPassword = passwords.verify;
export const spendOneHash = passwords.spend;

/** A random password for a generated account: 24 base64url characters. */
export const randomPassword = () => randomBytes(18).toString('base64url');
