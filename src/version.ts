import { readFileSync } from 'node:fs';
import { packageFile } from './files.js';

/** The version of this build, from its package.json (read once, at first import). */
export const cleaveVersion: string = String(
  JSON.parse(readFileSync(packageFile('package.json'), 'utf8')).version,
);
