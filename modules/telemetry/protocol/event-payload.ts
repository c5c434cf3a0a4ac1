import { idIn, isJsonObject, nestsDeeperThan, readFramed } from './fields.js';
import { refuse } from './refusal.js';

/** An event a device reported on `v1/devices/<id>/events/<type>`. */
export interface ReportedEvent {
  id?: string;
  ts?: number;
  type: string;
  /** `data` as stored: JSON text, encoded while reading so that no message can fail a commit. */
  json: string;
}

const maxDepth = 32;
const eventType = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The event type, the topic level the kind's `+` matched; a bad one is refused before the payload is read. */
export function readEventType(type: string, payload: string): string {
  if (!eventType.test(type)) {
    refuse('UNSUPPORTED_TOPIC', `events/${type}: unsupported topic; an event type matches ${eventType.source}`, idIn(payload));
  }
  return type;
}

export function readDeviceEvent(payload: unknown, type: string): ReportedEvent {
  const { id, ts, body } = readFramed(payload, '', 'data');
  if (!isJsonObject(body)) refuse('INVALID_PAYLOAD', 'data: must be a JSON object', id);
  if (nestsDeeperThan(body, maxDepth)) refuse('INVALID_PAYLOAD', `data: nests objects or arrays deeper than ${maxDepth} levels`, id);
  const event: ReportedEvent = { ts, type, json: JSON.stringify(body) };
  if (id !== undefined) event.id = id;
  return event;
}
