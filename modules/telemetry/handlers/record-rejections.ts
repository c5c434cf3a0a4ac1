import type { Logger, OperationHandler } from '../../../src/index.js';
import type { telemetryContract } from '../contract.js';
import type { Rejections } from '../data/rejections.js';
import { retentionOf, type TelemetryConfig } from '../config.js';

interface Deps {
  config: TelemetryConfig;
  clock: () => Date;
  log: Logger;
  rejections: Rejections;
}

const pruneEveryMs = 60_000;

/** Records refused device messages, whoever refused them; rejections past their retention are pruned now and then. */
export const recordRejections = ({ config, clock, log, rejections }: Deps): OperationHandler<typeof telemetryContract, 'recordRejections'> => {
  const retention = retentionOf(config);
  let prunedAt = 0;

  /** Rejections only grow when messages are refused: old ones are deleted then, at most once a minute. */
  const pruneNowAndThen = () => {
    const now = clock().getTime();
    if (now - prunedAt < pruneEveryMs) return;
    prunedAt = now;
    rejections.prune(now - retention).catch((err: unknown) => log.warn({ err }, 'old rejections not pruned; trying again later'));
  };

  return async ({ rejections: refused }, ctx) => {
    await ctx.transaction((tx) => rejections.insert(tx.db, refused));
    if (refused.length) pruneNowAndThen();
    return {};
  };
};
