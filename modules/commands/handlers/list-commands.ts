import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/** Newest first; a state filter sees commands past their TTL as expired, like `getCommand`. */
export const listCommands =
  ({ clock }: { clock: () => Date }): OperationHandler<typeof commandsContract, 'listCommands', CommandsStores> =>
  async ({ deviceId, state, limit = 100 }, ctx) => ({ commands: await ctx.stores.commands.list({ deviceId, state, limit }, clock().toISOString()) });
