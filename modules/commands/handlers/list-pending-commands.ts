import type { OperationHandler } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';

/** At most this many commands per fetch; the rest come with a later one (the next command queued, a new subscription). */
const batch = 1000;

export const listPendingCommands =
  ({ clock }: { clock: () => Date }): OperationHandler<typeof commandsContract, 'listPendingCommands', CommandsStores> =>
  async ({ deviceId }, ctx) => {
    const waiting = await ctx.stores.commands.waiting(deviceId, clock().toISOString(), batch);
    const messages = waiting.map(({ id, name, args, expiresAt }) => ({ id, topic: `commands/${name}`, payload: JSON.stringify({ id, args, expiresAt }) }));
    return { messages };
  };
