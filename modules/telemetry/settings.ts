/** How much one device message may hold. */
export interface Limits {
  /** Reading sets in one telemetry batch (config `telemetry.maxItems`). */
  maxItems: number;
  /** Metrics in one reading set. */
  maxMetrics: number;
}

const day = 86_400_000;

/** How long refused messages are kept, in milliseconds (config `telemetry.rejectionsRetentionDays`). */
export function retentionOf(config: Record<string, unknown>): number {
  const days = Number(config.rejectionsRetentionDays ?? 7);
  return (Number.isInteger(days) && days > 0 ? days : 7) * day;
}

export function limitsOf(config: Record<string, unknown>): Limits {
  const maxItems = Number(config.maxItems ?? 500);
  return { maxItems: Number.isInteger(maxItems) && maxItems > 0 ? maxItems : 500, maxMetrics: 1000 };
}
