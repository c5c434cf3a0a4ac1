import type { Outcome } from './data/commands.js';

/** A device's reply, as `v1/devices/<id>/replies` carries it. */
export interface Reply {
  id: string;
  outcome: Outcome;
}

/** Why a reply was refused; `id` when the reply's own id could be read. */
export interface Refusal {
  code: 'MALFORMED_JSON' | 'INVALID_PAYLOAD';
  reason: string;
  id?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
// eslint-disable-next-line no-control-regex
const readableId = (value: unknown): value is string => typeof value === 'string' && value.length >= 1 && value.length <= 256 && !/[\u0000-\u001f\u007f]/.test(value);
const text = (value: unknown, max: number) => typeof value === 'string' && value.length <= max;

/** Reads `{"id","ok":true,"result":{...}}` or `{"id","ok":false,"error":{"code","message"}}`; a missing result is `{}`. */
export function parseReply(payload: string): Reply | Refusal {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return { code: 'MALFORMED_JSON', reason: 'the payload is not JSON' };
  }
  if (!isObject(body)) return { code: 'INVALID_PAYLOAD', reason: 'a reply must be a JSON object' };
  if (!readableId(body.id)) return { code: 'INVALID_PAYLOAD', reason: 'id: must be the command id, a string of 1 to 256 characters' };
  const refuse = (reason: string): Refusal => ({ code: 'INVALID_PAYLOAD', reason, id: body.id as string });
  if (body.ok === true) {
    const result = body.result ?? {};
    return isObject(result) ? { id: body.id, outcome: { state: 'succeeded', result } } : refuse('result: must be a JSON object');
  }
  if (body.ok !== false) return refuse('ok: must be true or false');
  const error = body.error;
  if (!isObject(error)) return refuse('error: must be an object with a code and a message');
  if (!text(error.code, 64) || error.code === '') return refuse('error.code: must be a string of 1 to 64 characters');
  if (!text(error.message, 1024)) return refuse('error.message: must be a string of at most 1024 characters');
  return { id: body.id, outcome: { state: 'failed', error: { code: error.code as string, message: error.message as string } } };
}
