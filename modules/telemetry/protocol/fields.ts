import { isEpochMs, parseIso } from '../time.js';
import { refuse } from './refusal.js';

export type JsonObject = Record<string, unknown>;

/** What every device payload object carries besides its body (`metrics` or `data`). */
export interface Framed {
  id?: string;
  /** The device's time, epoch ms. */
  ts?: number;
  body: unknown;
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path of `key` inside the object at `path` ('' is the payload itself). */
export const fieldPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

const tsRule = 'must be epoch milliseconds (a whole number from 0) or an ISO-8601 date-time with a zone, e.g. 2024-05-01T12:00:00Z';

/** Reads `{ ts?, id?, <bodyField> }` at `path`, refusing unknown fields (a typo such as `timestamp` must not pass). */
export function readFramed(value: unknown, path: string, bodyField: string): Framed {
  if (!isJsonObject(value)) refuse('INVALID_PAYLOAD', `${path || 'payload'}: must be a JSON object`);
  const id = readId(value.id, path);
  for (const key in value) {
    if (key !== 'ts' && key !== 'id' && key !== bodyField) {
      refuse('INVALID_PAYLOAD', `${fieldPath(path, key)}: unknown field (expected ts, id and ${bodyField})`, id);
    }
  }
  if (value[bodyField] === undefined) refuse('INVALID_PAYLOAD', `${fieldPath(path, bodyField)}: is required`, id);
  const framed: Framed = { ts: readTs(value.ts, path, id), body: value[bodyField] };
  if (id !== undefined) framed.id = id;
  return framed;
}

const controlCharacter = /[\u0000-\u001f\u007f]/;

function readId(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || controlCharacter.test(value)) {
    refuse('INVALID_PAYLOAD', `${fieldPath(path, 'id')}: must be a string of 1 to 256 characters, none of them a control character`);
  }
  return value;
}

/** True when objects and arrays in `value` nest deeper than `levels` (counted without recursion). */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: next, depth } = stack.pop()!;
    if (typeof next !== 'object' || next === null) continue;
    if (depth >= levels) return true;
    for (const child of Object.values(next)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

function readTs(value: unknown, path: string, id: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseIso(value) : undefined;
  if (ms === undefined || !isEpochMs(ms)) refuse('INVALID_PAYLOAD', `${fieldPath(path, 'ts')}: ${tsRule}`, id);
  return ms;
}

/** The `id` of a payload that is refused before it is read, when there is one to quote back to the device. */
export function idIn(payload: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(payload ?? '') as JsonObject | null)?.id;
    return typeof id === 'string' && id.length <= 256 && !controlCharacter.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
