import { invalid } from '../../src/index.js';

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const latest = 8.64e15;

/** Epoch ms of an ISO-8601 date-time with a zone, or undefined; ambiguous local times are refused. */
export function parseIso(text: string): number | undefined {
  if (!isoInstant.test(text)) return undefined;
  const ms = Date.parse(text);
  return ms >= 0 && ms <= latest ? ms : undefined;
}

/** True for epoch milliseconds as stored: whole, from 1970 on. */
export const isEpochMs = (value: number) => Number.isInteger(value) && value >= 0 && value <= latest;

/** ISO-8601 of epoch ms as stored (PostgreSQL returns bigints as strings). */
export const toIso = (ms: number | string) => new Date(Number(ms)).toISOString();

/** A time range in epoch ms: `from` inclusive, `to` exclusive. */
export interface Range {
  from?: number;
  to?: number;
}

function instant(field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseIso(text);
  if (ms === undefined) throw invalid(`${field}: must be an ISO-8601 date-time with a zone, e.g. 2024-05-01T12:00:00Z`);
  return ms;
}

/** The range of a query's ISO-8601 `from` and `to`. */
export const rangeOf = (input: { from?: string; to?: string }): Range => ({
  from: instant('from', input.from),
  to: instant('to', input.to),
});
