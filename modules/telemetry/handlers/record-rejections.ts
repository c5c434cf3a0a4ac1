import type { Logger, OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { Rejections, TelemetryStores } from '../stores.js';
import { retentionOf, type TelemetryConfig } from '../config.js';

interface Deps {
  config: TelemetryConfig;
  clock: () => Date;
  log: Logger;
}

const pruneEveryMs = 60_000;

/** Records refused device messages, whoever refused them; rejections past their retention are pruned now and then. */
export const recordRejections = ({ config, clock, log }: Deps): OperationHandler<typeof telemetryContract, 'recordRejections', TelemetryStores> => {
  const retention = retentionOf(config);
  let prunedAt = 0;

  /** Rejections only grow when messages are refused: old ones are deleted then, at most once a minute. */
  const pruneNowAndThen = (rejections: Rejections) => {
    const now = clock().getTime();
    if (now - prunedAt < pruneEveryMs) return;
    prunedAt = now;
    rejections.prune(now - retention).catch((err: unknown) => log.warn({ err }, 'old rejections not pruned; trying again later'));
  };

  return async ({ rejections: refused }, ctx) => {
    await ctx.transaction((tx) => tx.stores.rejections.insert(refused));
    if (refused.length) pruneNowAndThen(ctx.stores.rejections);
    return {};
  };
};
