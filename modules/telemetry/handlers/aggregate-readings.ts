import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { Aggregates, KnownDevices } from '../store.js';
import { rangeOf } from '../time.js';

interface Deps {
  knownDevices: KnownDevices;
  aggregates: Aggregates;
}

export const aggregateReadings =
  ({ knownDevices, aggregates }: Deps): OperationHandler<typeof telemetryContract, 'aggregates'> =>
  async (input) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { aggregates: await aggregates(input.id, { metric: input.metric, range, bucket: input.bucket ?? '1m' }) };
  };
