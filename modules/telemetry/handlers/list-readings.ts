import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';
import type { Readings } from '../data/readings.js';
import { rangeOf } from '../time.js';

interface Deps {
  knownDevices: KnownDevices;
  readings: Readings;
}

export const listReadings =
  ({ knownDevices, readings }: Deps): OperationHandler<typeof telemetryContract, 'listReadings'> =>
  async (input) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { readings: await readings.list(input.id, { metric: input.metric, range, limit: input.limit ?? 100 }) };
  };
