import { readFileSync } from 'node:fs';

/** The version of this build, from its package.json (read once, at first import). */
export const cleaveVersion: string = String(
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
);
