import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import { retentionOf, type TelemetryConfig } from '../config.js';
import type { Rejections } from '../data/rejections.js';

interface Deps {
  config: TelemetryConfig;
  clock: () => Date;
  rejections: Rejections;
}

/**
 * Not limited to known devices: a refused message may come before the registration reaches this read model.
 * Rejections past their retention are not listed, even before they are pruned.
 */
export const listRejections =
  ({ config, clock, rejections }: Deps): OperationHandler<typeof telemetryContract, 'listRejections'> =>
  async ({ deviceId, limit }) => {
    const since = clock().getTime() - retentionOf(config);
    return { rejections: await rejections.list({ deviceId, since, limit: limit ?? 100 }) };
  };
