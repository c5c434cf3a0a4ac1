import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { Commands } from '../data/commands.js';

/** Newest first; a state filter sees commands past their TTL as expired, like `getCommand`. */
export const listCommands =
  ({ commands, clock }: { commands: Commands; clock: () => Date }): OperationHandler<typeof commandsContract, 'listCommands'> =>
  async ({ deviceId, state, limit = 100 }) => ({ commands: await commands.list({ deviceId, state, limit }, clock().toISOString()) });
