import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';

export const latestReadings =
  (): OperationHandler<typeof telemetryContract, 'latestReadings', TelemetryStores> =>
  async ({ id }, { stores: { knownDevices, readings } }) => {
    await knownDevices.require(id);
    return { readings: await readings.latest(id) };
  };
