import { notFound, type OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/** An unanswered command past its TTL reads as expired, even before the sweep has committed it. */
export const getCommand =
  ({ clock }: { clock: () => Date }): OperationHandler<typeof commandsContract, 'getCommand', CommandsStores> =>
  async ({ id }, ctx) => {
    const command = await ctx.stores.commands.byId(id, clock().toISOString());
    if (!command) throw notFound(`command ${id}`);
    return command;
  };
