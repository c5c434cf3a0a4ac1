import identity from './identity/index.js';
import type { ModuleDefinition } from '../src/index.js';

/** Every module of this build, in start order. Hosting is chosen by config `modules`. */
export const modules: ModuleDefinition[] = [identity];
