/** How much one device message may hold. */
export interface Limits {
  /** Reading sets in one telemetry batch (config `telemetry.maxItems`). */
  maxItems: number;
  /** Metrics in one reading set. */
  maxMetrics: number;
}

export function limitsOf(config: Record<string, unknown>): Limits {
  const maxItems = Number(config.maxItems ?? 500);
  return { maxItems: Number.isInteger(maxItems) && maxItems > 0 ? maxItems : 500, maxMetrics: 1000 };
}
