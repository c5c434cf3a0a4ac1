import type { OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import { retentionOf, type TelemetryConfig } from '../config.js';
import type { TelemetryStores } from '../stores.js';

interface Deps {
  config: TelemetryConfig;
  clock: () => Date;
}

/**
 * Not limited to known devices: a refused message may come before the registration reaches this read model.
 * Rejections past their retention are not listed, even before they are pruned.
 */
export const listRejections =
  ({ config, clock }: Deps): OperationHandler<typeof telemetryContract, 'listRejections', TelemetryStores> =>
  async ({ deviceId, limit }, { stores: { rejections } }) => {
    const since = clock().getTime() - retentionOf(config);
    return { rejections: await rejections.list({ deviceId, since, limit: limit ?? 100 }) };
  };
