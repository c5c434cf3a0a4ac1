import { isDataError, type CallContext, type edge, type Logger, type OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import { type DeviceEvents, type Readings, type Rejections, claimMessageIds, storableText } from '../store.js';
import { eventValues, readGroup, readingValues, recordedPerDevice } from '../ingestion.js';
import { limitsOf, retentionOf } from '../settings.js';

interface Deps {
  config: Record<string, unknown>;
  clock: () => Date;
  log: Logger;
  readings: Readings;
  deviceEvents: DeviceEvents;
  rejections: Rejections;
}

type Ctx = CallContext<typeof telemetryContract>;

const pruneEveryMs = 60_000;

const unstorable = 'the store could not keep this message; it was refused so that the others could be stored';

/**
 * Stores a group of device messages in one transaction. A bad message is refused on its own. When the store
 * still refuses something in the data, the group is split and each half committed alone, down to the one
 * message that cannot be stored, which is refused and recorded. Any other store failure (unreachable, a table
 * missing) fails the whole group: nothing is committed and the edge listener does not acknowledge, so the
 * devices send again.
 */
export const ingest = ({ config, clock, log, readings, deviceEvents, rejections }: Deps): OperationHandler<typeof telemetryContract, 'ingest'> => {
  const limits = limitsOf(config);
  const retention = retentionOf(config);
  let prunedAt = 0;

  /** Rejections only grow when messages are refused: old ones are deleted then, at most once a minute. */
  const pruneNowAndThen = () => {
    const now = clock().getTime();
    if (now - prunedAt < pruneEveryMs) return;
    prunedAt = now;
    rejections.prune(now - retention).catch((err: unknown) => log.warn({ err }, 'old rejections not pruned; trying again later'));
  };

  const commit = async (messages: edge.DeviceMessage[], ctx: Ctx): Promise<edge.IngestResult[]> => {
    const group = readGroup(messages, limits);
    await ctx.transaction(async (tx) => {
      const fresh = await claimMessageIds(tx.db, group.ids);
      const added = await readings.insertNew(tx.db, readingValues(group, fresh));
      await readings.recordLatest(tx.db, added);
      await deviceEvents.insert(tx.db, eventValues(group, fresh));
      await rejections.insert(tx.db, group.rejections);
      for (const recorded of recordedPerDevice(added)) await tx.publish('readingsRecorded', recorded);
    });
    if (group.rejections.length) pruneNowAndThen();
    return group.results;
  };

  const refuseAlone = async (message: edge.DeviceMessage, err: unknown, ctx: Ctx): Promise<edge.IngestResult> => {
    log.warn({ err, deviceId: message.deviceId, topic: storableText(message.topic, 200) }, 'a device message could not be stored; refused alone');
    const { deviceId, topic, receivedAt } = message;
    const refused = { ...message, refused: { code: 'INVALID_PAYLOAD' as const, reason: unstorable } };
    await ctx.transaction((tx) => rejections.insert(tx.db, readGroup([refused], limits).rejections)).catch((recordErr: unknown) => {
      log.error({ err: recordErr, deviceId, topic: storableText(topic, 200), receivedAt }, 'a refused device message could not be recorded either');
    });
    return { accepted: false, code: 'INVALID_PAYLOAD', reason: unstorable };
  };

  const commitIsolated = async (messages: edge.DeviceMessage[], ctx: Ctx): Promise<edge.IngestResult[]> => {
    try {
      return await commit(messages, ctx);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (messages.length === 1) return [await refuseAlone(messages[0], err, ctx)];
      const half = Math.ceil(messages.length / 2);
      return [...(await commitIsolated(messages.slice(0, half), ctx)), ...(await commitIsolated(messages.slice(half), ctx))];
    }
  };

  return async ({ messages }, ctx) => ({ results: await commitIsolated(messages, ctx) });
};
