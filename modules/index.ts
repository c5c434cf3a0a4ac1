import identity from './identity/index.js';
import devices from './devices/index.js';
import telemetry from './telemetry/index.js';
import alerts from './alerts/index.js';
import commands from './commands/index.js';
import type { ModuleDefinition } from '../src/index.js';

/** Every module of this build, in start order. Hosting is chosen by config `modules`. */
export const modules: ModuleDefinition[] = [identity, devices, telemetry, alerts, commands];
