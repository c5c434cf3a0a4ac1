import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { KnownDevices, Readings } from '../store.js';

interface Deps {
  knownDevices: KnownDevices;
  readings: Readings;
}

export const latestReadings =
  ({ knownDevices, readings }: Deps): OperationHandler<typeof telemetryContract, 'latest'> =>
  async ({ id }) => {
    await knownDevices.require(id);
    return { readings: await readings.latest(id) };
  };
