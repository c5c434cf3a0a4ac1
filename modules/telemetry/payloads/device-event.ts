import { isJsonObject, readFramed } from './fields.js';
import { refuse } from './refusal.js';

/** An event a device reported on `v1/devices/<id>/events/<type>`. */
export interface ReportedEvent {
  id?: string;
  ts?: number;
  type: string;
  data: Record<string, unknown>;
}

export function readDeviceEvent(payload: unknown, type: string): ReportedEvent {
  const { id, ts, body } = readFramed(payload, '', 'data');
  if (!isJsonObject(body)) refuse('INVALID_PAYLOAD', 'data: must be a JSON object', id);
  const event: ReportedEvent = { ts, type, data: body };
  if (id !== undefined) event.id = id;
  return event;
}
