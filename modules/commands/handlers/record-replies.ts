import { devicePorts, type OperationHandler, type Static, type Tx } from '../../../src/index.js';
import type { commandsContract } from '../contract.js';
import type { CommandsStores } from '../stores.js';
import type { StateChanges } from '../state-changes.js';
import { parseReply, type Reply } from '../reply.js';

type DeviceMessage = Static<typeof devicePorts.DeviceMessage>;
type DeviceResult = Static<typeof devicePorts.DeviceResult>;

interface Deps {
  clock: () => Date;
  stateChanges: StateChanges;
}

const accepted: DeviceResult = { accepted: true };

/** The same reply as the one that finished the command: a QoS 1 resend. */
const repeats = (reply: Reply, command: { state: string; result: unknown; error: unknown }) =>
  reply.outcome.state === command.state &&
  JSON.stringify(reply.outcome.state === 'succeeded' ? reply.outcome.result : reply.outcome.error) ===
    JSON.stringify(reply.outcome.state === 'succeeded' ? command.result : command.error);

/**
 * Finishes each replied command with its event, the whole group in one commit. A device learns nothing of
 * other devices' commands: an id that is not its own is refused as if it did not exist.
 */
export const recordReplies =
  ({ clock, stateChanges }: Deps): OperationHandler<typeof commandsContract, 'recordReplies', CommandsStores> =>
  async ({ messages }, ctx) => {
    const now = clock().toISOString();
    const finishedNow: Array<'succeeded' | 'failed'> = [];
    const answer = async (tx: Tx<typeof commandsContract, CommandsStores>, message: DeviceMessage): Promise<DeviceResult> => {
      const reply = parseReply(message.payload);
      if ('code' in reply) return { accepted: false, ...reply };
      const { id, outcome } = reply;
      const finished = await tx.stores.commands.finish(message.deviceId, id, outcome, now);
      if (finished) {
        const { deviceId, name } = finished;
        if (outcome.state === 'succeeded') await tx.publish('commandSucceeded', { id, deviceId, name, result: outcome.result });
        else await tx.publish('commandFailed', { id, deviceId, name, error: outcome.error });
        finishedNow.push(outcome.state);
        return accepted;
      }
      const command = await tx.stores.commands.byId(id, now);
      if (!command || command.deviceId !== message.deviceId) {
        return { accepted: false, code: 'UNKNOWN_COMMAND', reason: `no command ${id} was sent to this device`, id };
      }
      if (repeats(reply, command)) return accepted;
      return { accepted: false, code: 'COMMAND_FINISHED', reason: `command ${id} is already ${command.state}`, id };
    };
    const results = await ctx.transaction(async (tx) => {
      const each: DeviceResult[] = [];
      for (const message of messages) each.push(await answer(tx, message));
      return each;
    });
    for (const state of finishedNow) stateChanges.entered(state);
    return { results };
  };
