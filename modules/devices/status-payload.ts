import { Type, type devicePorts } from '../../src/index.js';

type Result = devicePorts.DeviceResult;

const shape = 'a status message is {"online": true} or {"online": false}';
const refused = (reason: string): Result => ({ accepted: false, code: 'INVALID_PAYLOAD', reason: `${reason}; ${shape}` });

/** `v1/devices/<id>/status`, as JSON Schema for the AsyncAPI document: `{"online": true}` on connect, `false` as the last will. */
export const StatusPayload = Type.Object({ online: Type.Boolean() }, { additionalProperties: false });

/** Reads the payload of a device's `status` topic: whether it is online, or why the message is refused. */
export function readStatus(payload: string): { online: boolean } | Result {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    return refused(`payload is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refused('payload: must be a JSON object');
  const unknown = Object.keys(body).find((key) => key !== 'online');
  if (unknown !== undefined) return refused(`${JSON.stringify(unknown.slice(0, 130))}: unknown field`);
  const { online } = body as { online?: unknown };
  if (typeof online !== 'boolean') return refused(online === undefined ? 'online: is required' : 'online: must be true or false');
  return { online };
}
