import { notFound, type OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { Commands } from '../data/commands.js';

/** An unanswered command past its TTL reads as expired, even before the sweep has committed it. */
export const getCommand =
  ({ commands, clock }: { commands: Commands; clock: () => Date }): OperationHandler<typeof commandsContract, 'getCommand'> =>
  async ({ id }) => {
    const command = await commands.byId(id, clock().toISOString());
    if (!command) throw notFound(`command ${id}`);
    return command;
  };
