import type { ModuleDefinition } from '../../../src/index.js';
import identity from '../index.js';

/** Identity as the host takes it: a typed definition does not widen to `ModuleDefinition` on its own. */
export const identityModule = identity;
