import { conflict, notFound, type OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';
import type { StateChanges } from '../state-changes.js';

interface Deps {
  clock: () => Date;
  stateChanges: StateChanges;
}

/** Only a command still waiting for its reply can be cancelled; a reply that comes later is refused. */
export const cancelCommand =
  ({ clock, stateChanges }: Deps): OperationHandler<typeof commandsContract, 'cancelCommand', CommandsStores> =>
  async ({ id }, ctx) => {
    const now = clock().toISOString();
    const cancelled = await ctx.transaction(async (tx) => {
      const command = await tx.stores.commands.cancel(id, now);
      if (command) await tx.publish('commandCancelled', { id, deviceId: command.deviceId, name: command.name });
      return command;
    });
    if (cancelled) {
      stateChanges.entered('cancelled');
      return cancelled;
    }
    const command = await ctx.stores.commands.byId(id, now);
    if (!command) throw notFound(`command ${id}`);
    throw conflict(`command ${id} is already ${command.state}: only a pending or delivered command can be cancelled`);
  };
