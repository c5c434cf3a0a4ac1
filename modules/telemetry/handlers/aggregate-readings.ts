import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { Aggregates } from '../data/aggregates.js';
import type { KnownDevices } from '../data/known-devices.js';
import { rangeOf } from '../time.js';

interface Deps {
  knownDevices: KnownDevices;
  aggregates: Aggregates;
}

export const aggregateReadings =
  ({ knownDevices, aggregates }: Deps): OperationHandler<typeof telemetryContract, 'aggregateReadings'> =>
  async (input) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { aggregates: await aggregates(input.id, { metric: input.metric, range, bucket: input.bucket ?? '1m' }) };
  };
