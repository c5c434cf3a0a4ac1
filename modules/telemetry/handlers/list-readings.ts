import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';
import { rangeOf } from '../time.js';

export const listReadings =
  (): OperationHandler<typeof telemetryContract, 'listReadings', TelemetryStores> =>
  async (input, { stores: { knownDevices, readings } }) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { readings: await readings.list(input.id, { metric: input.metric, range, limit: input.limit ?? 100 }) };
  };
