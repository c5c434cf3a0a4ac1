import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';
import type { StateChanges } from '../state-changes.js';

/** A repeated acknowledgement, or one for a command that is not pending, changes nothing. */
export const markCommandDelivered =
  ({ clock, stateChanges }: { clock: () => Date; stateChanges: StateChanges }): OperationHandler<typeof commandsContract, 'markCommandDelivered', CommandsStores> =>
  async ({ deviceId, id }, ctx) => {
    if (await ctx.transaction((tx) => tx.stores.commands.markDelivered(deviceId, id, clock().toISOString()))) stateChanges.entered('delivered');
    return {};
  };
