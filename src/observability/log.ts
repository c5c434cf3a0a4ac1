import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { activeTraceIds } from './tracing.js';

export type { Logger };

/**
 * The root JSON logger of a host; children carry `module` and `instance`. A line written inside a span (tracing
 * on) carries its `trace_id` and `span_id`; otherwise nothing is added or allocated.
 */
export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: bindings,
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: activeTraceIds as () => object,
    mixinMergeStrategy: (line: object, ids: object | undefined) => (ids ? Object.assign(ids, line) : line),
  };
  return destination ? pino(options, destination) : pino(options);
}
