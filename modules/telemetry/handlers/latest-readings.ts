import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { KnownDevices } from '../data/known-devices.js';
import type { Readings } from '../data/readings.js';

interface Deps {
  knownDevices: KnownDevices;
  readings: Readings;
}

export const latestReadings =
  ({ knownDevices, readings }: Deps): OperationHandler<typeof telemetryContract, 'latestReadings'> =>
  async ({ id }) => {
    await knownDevices.require(id);
    return { readings: await readings.latest(id) };
  };
