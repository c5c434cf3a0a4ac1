import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { Commands } from '../data/commands.js';

/** A repeated acknowledgement, or one for a command that is not pending, changes nothing. */
export const markCommandDelivered =
  ({ commands, clock }: { commands: Commands; clock: () => Date }): OperationHandler<typeof commandsContract, 'markCommandDelivered'> =>
  async ({ deviceId, id }) => {
    await commands.markDelivered(deviceId, id, clock().toISOString());
    return {};
  };
