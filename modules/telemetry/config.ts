import { setting, type ConfigOf } from '../../src/index.js';

/** Telemetry's configuration slice: keys `telemetry.*`, env `CLEAVE_TELEMETRY_*`. */
export const telemetrySettings = {
  maxItems: setting.int({ doc: 'Most reading sets in one device telemetry message; more is rejected as TOO_MANY_ITEMS.', default: 500, min: 1, max: 100_000 }),
  rejectionsRetentionDays: setting.int({
    doc: 'Days a refused device message is kept (and listed) in the rejections; older ones are deleted.',
    default: 7, min: 1, max: 36_500,
  }),
  dedupeWindowMs: setting.int({
    doc: 'Milliseconds the id of a device event or of a reading set without ts is kept at least (at most twice as long), so that such a message sent again is stored once (a set with ts is recognised by its readings\' key); it should outlast the device broker\'s session expiry (3600 s), within which a message is delivered again after a reconnect.',
    default: 3_600_000, min: 1000, max: 7 * 86_400_000,
  }),
};

export type TelemetryConfig = ConfigOf<typeof telemetrySettings>;

/** How much one device message may hold. */
export interface Limits {
  /** Reading sets in one telemetry batch (`telemetry.maxItems`). */
  maxItems: number;
  /** Metrics in one reading set. */
  maxMetrics: number;
}

export const limitsOf = (config: TelemetryConfig): Limits => ({ maxItems: config.maxItems, maxMetrics: 1000 });

/** How long refused messages are kept, in milliseconds (`telemetry.rejectionsRetentionDays`). */
export const retentionOf = (config: TelemetryConfig): number => config.rejectionsRetentionDays * 86_400_000;
