import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { Commands } from '../data/commands.js';

/** At most this many commands per fetch; the rest come with a later one (the next command queued, a new subscription). */
const batch = 1000;

export const listPendingCommands =
  ({ commands, clock }: { commands: Commands; clock: () => Date }): OperationHandler<typeof commandsContract, 'listPendingCommands'> =>
  async ({ deviceId }) => {
    const waiting = await commands.waiting(deviceId, clock().toISOString(), batch);
    const messages = waiting.map(({ id, name, args, expiresAt }) => ({ id, topic: `commands/${name}`, payload: JSON.stringify({ id, args, expiresAt }) }));
    return { messages };
  };
