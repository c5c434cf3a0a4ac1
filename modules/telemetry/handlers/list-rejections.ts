import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { Rejections } from '../store.js';

/** Not limited to known devices: a refused message may come before the registration reaches this read model. */
export const listRejections =
  ({ rejections }: { rejections: Rejections }): OperationHandler<typeof telemetryContract, 'rejections'> =>
  async ({ deviceId, limit }) => ({ rejections: await rejections.list({ deviceId, limit: limit ?? 100 }) });
