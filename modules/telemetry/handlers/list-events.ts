import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { DeviceEvents } from '../data/device-events.js';
import type { KnownDevices } from '../data/known-devices.js';
import { rangeOf } from '../time.js';

interface Deps {
  knownDevices: KnownDevices;
  deviceEvents: DeviceEvents;
}

export const listEvents =
  ({ knownDevices, deviceEvents }: Deps): OperationHandler<typeof telemetryContract, 'listEvents'> =>
  async (input) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { events: await deviceEvents.list(input.id, { type: input.type, range, limit: input.limit ?? 100 }) };
  };
