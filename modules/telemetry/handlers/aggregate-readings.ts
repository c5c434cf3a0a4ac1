import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';
import { rangeOf } from '../time.js';

export const aggregateReadings =
  (): OperationHandler<typeof telemetryContract, 'aggregateReadings', TelemetryStores> =>
  async (input, { stores: { knownDevices, aggregates } }) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { aggregates: await aggregates(input.id, { metric: input.metric, range, bucket: input.bucket ?? '1m' }) };
  };
