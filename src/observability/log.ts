import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger };

/** The root JSON logger of a host; children carry `module`, `instance` and trace ids. */
export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}
