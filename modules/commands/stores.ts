import { makeCommands } from './data/commands.js';
import { makeKnownDevices } from './data/known-devices.js';

export const commandsStores = { commands: makeCommands, knownDevices: makeKnownDevices };

export type CommandsStores = typeof commandsStores;
