import type { CallContext, Logger } from '../../src/index.js';
import type { commandsContract } from './contract.js';
import type { CommandsStores } from './stores.js';
import type { StateChanges } from './state-changes.js';

interface Deps {
  clock: () => Date;
  log: Logger;
  stateChanges: StateChanges;
}

const everyMs = 1000;
const perCommit = 500;

/**
 * Expires unanswered commands past their TTL about every second, each with its `commandExpired` event in the
 * same commit. Replicas may sweep side by side: a command expires once, in whichever commit changes it first.
 */
export function makeExpiry({ clock, log, stateChanges }: Deps) {
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let failing = false;

  const sweep = (ctx: CallContext<typeof commandsContract, CommandsStores>) =>
    ctx
      .transaction(async (tx) => {
        const expired = await tx.stores.commands.expireOverdue(clock().toISOString(), perCommit);
        for (const { id, deviceId, name } of expired) await tx.publish('commandExpired', { id, deviceId, name });
        return expired.length;
      })
      .then((count) => stateChanges.entered('expired', count));

  return {
    start(ctx: CallContext<typeof commandsContract, CommandsStores>): void {
      timer ??= setInterval(() => {
        sweeping ??= sweep(ctx)
          .then(() => void (failing = false))
          .catch((err) => {
            if (!failing) log.warn({ err }, 'expiring overdue commands failed; trying again every second');
            failing = true;
          })
          .finally(() => (sweeping = undefined));
      }, everyMs);
      timer.unref();
    },

    /** Called by the kernel when the module stops: no sweep starts after it, the one in hand finishes. */
    async dispose(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
}

export type Expiry = ReturnType<typeof makeExpiry>;
