import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import { type DeviceEvents, type Readings, type Rejections, claimMessageIds } from '../store.js';
import { eventValues, readGroup, readingValues, recordedPerDevice } from '../ingestion.js';
import { limitsOf } from '../settings.js';

interface Deps {
  config: Record<string, unknown>;
  readings: Readings;
  deviceEvents: DeviceEvents;
  rejections: Rejections;
}

/**
 * Stores a group of device messages in one transaction. A bad message is refused on its own; only a store
 * failure fails the group, and then nothing of it is committed (the edge listener does not acknowledge).
 */
export const ingest = ({ config, readings, deviceEvents, rejections }: Deps): OperationHandler<typeof telemetryContract, 'ingest'> => {
  const limits = limitsOf(config);
  return async ({ messages }, ctx) => {
    const group = readGroup(messages, limits);
    await ctx.transaction(async (tx) => {
      const fresh = await claimMessageIds(tx.db, group.ids);
      const added = await readings.insertNew(tx.db, readingValues(group, fresh));
      await readings.recordLatest(tx.db, added);
      await deviceEvents.insert(tx.db, eventValues(group, fresh));
      await rejections.insert(tx.db, group.rejections);
      for (const recorded of recordedPerDevice(added)) await tx.publish('readingsRecorded', recorded);
    });
    return { results: group.results };
  };
};
