import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { TelemetryStores } from '../stores.js';
import { rangeOf } from '../time.js';

export const listEvents =
  (): OperationHandler<typeof telemetryContract, 'listEvents', TelemetryStores> =>
  async (input, { stores: { knownDevices, deviceEvents } }) => {
    const range = rangeOf(input);
    await knownDevices.require(input.id);
    return { events: await deviceEvents.list(input.id, { type: input.type, range, limit: input.limit ?? 100 }) };
  };
