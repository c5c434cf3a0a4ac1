import type { Limits } from '../config.js';
import { fieldPath, isJsonObject, readFramed } from './fields.js';
import { refuse } from './refusal.js';

/** One reading set of a telemetry payload: metrics measured at one time. */
export interface ReadingSet {
  id?: string;
  ts?: number;
  metrics: Record<string, number>;
}

const metricName = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Reads a telemetry payload: one reading set, or an array of them (a batch). */
export function readReadingSets(payload: unknown, limits: Limits): ReadingSet[] {
  if (!Array.isArray(payload)) return [readReadingSet(payload, '', limits.maxMetrics)];
  if (payload.length > limits.maxItems) {
    refuse('TOO_MANY_ITEMS', `payload: a batch of ${payload.length} reading sets; at most ${limits.maxItems} in one message`);
  }
  if (payload.length === 0) refuse('INVALID_PAYLOAD', 'payload: an empty batch');
  return payload.map((item, index) => readReadingSet(item, `[${index}]`, limits.maxMetrics));
}

function readReadingSet(value: unknown, path: string, maxMetrics: number): ReadingSet {
  const { id, ts, body } = readFramed(value, path, 'metrics');
  const set: ReadingSet = { ts, metrics: readMetrics(body, fieldPath(path, 'metrics'), maxMetrics, id) };
  if (id !== undefined) set.id = id;
  return set;
}

function readMetrics(value: unknown, path: string, maxMetrics: number, id: string | undefined): Record<string, number> {
  if (!isJsonObject(value)) refuse('INVALID_PAYLOAD', `${path}: must be an object of metric names to numbers`, id);
  let count = 0;
  for (const name in value) {
    if (++count > maxMetrics) refuse('TOO_MANY_ITEMS', `${path}: more than ${maxMetrics} metrics in one reading set`, id);
    if (!metricName.test(name)) {
      refuse('INVALID_PAYLOAD', `${path}[${JSON.stringify(name.slice(0, 130))}]: metric names must match ${metricName.source}`, id);
    }
    const reading = value[name];
    if (typeof reading !== 'number' || !Number.isFinite(reading)) refuse('INVALID_PAYLOAD', `${path}.${name}: must be a finite number`, id);
  }
  if (count === 0) refuse('INVALID_PAYLOAD', `${path}: must hold at least one metric`, id);
  return value as Record<string, number>;
}
