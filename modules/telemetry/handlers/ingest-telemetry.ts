import { isDataError, type CallContext, type devicePorts, type Logger, type OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import { eventValues, readGroup, readingValues } from '../ingestion-group.js';
import { recordedInGroup } from '../readings-recorded.js';
import { limitsOf, type TelemetryConfig } from '../config.js';
import { seenWindow } from '../seen-window.js';
import type { TelemetryStores } from '../stores.js';

interface Deps {
  config: TelemetryConfig;
  clock: () => Date;
  log: Logger;
}

type Ctx = CallContext<typeof telemetryContract, TelemetryStores>;
type Message = devicePorts.DeviceMessage;
type Result = devicePorts.DeviceResult;

const unstorable = 'the store could not keep this message; it was refused so that the others could be stored';

/**
 * Stores a group of device messages in one transaction. A bad message is refused on its own. When the store
 * still refuses something in the data, the group is split and each half committed alone, down to the one
 * message that cannot be stored, which is refused. Any other store failure (unreachable, a table missing)
 * fails the whole group: nothing is committed and the device listener does not acknowledge, so the devices
 * send again. Refusals are answered, not recorded here: the listener records them through `recordRejections`.
 */
export const ingestTelemetry = ({ config, clock, log }: Deps): OperationHandler<typeof telemetryContract, 'ingestTelemetry', TelemetryStores> => {
  const limits = limitsOf(config);
  const forgetOldIds = seenWindow(config, clock, log);

  const commit = async (messages: Message[], ctx: Ctx): Promise<Result[]> => {
    const group = readGroup(messages, limits);
    await ctx.transaction(async (tx) => {
      const { seenMessages, readings, deviceEvents } = tx.stores;
      const fresh = await seenMessages.claim(group.ids);
      const added = await readings.insertNew(readingValues(group, fresh));
      await readings.recordLatest(added);
      await deviceEvents.insert(eventValues(group, fresh));
      for (const recorded of recordedInGroup(added)) await tx.publish('readingsRecorded', recorded);
    });
    return group.results;
  };

  const commitIsolated = async (messages: Message[], ctx: Ctx): Promise<Result[]> => {
    try {
      return await commit(messages, ctx);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (messages.length === 1) {
        log.warn({ err, deviceId: messages[0].deviceId, kind: messages[0].kind }, 'a device message could not be stored; refused alone');
        return [{ accepted: false, code: 'INVALID_PAYLOAD', reason: unstorable }];
      }
      const half = Math.ceil(messages.length / 2);
      return [...(await commitIsolated(messages.slice(0, half), ctx)), ...(await commitIsolated(messages.slice(half), ctx))];
    }
  };

  return async ({ messages }, ctx) => {
    const results = await commitIsolated(messages, ctx);
    forgetOldIds(ctx.stores.seenMessages);
    return { results };
  };
};
