import type { edge } from '../../../src/index.js';
import type { Limits } from '../settings.js';
import { readDeviceEvent, type ReportedEvent } from './device-event.js';
import { idIn } from './fields.js';
import { Refusal, refuse } from './refusal.js';
import { readReadingSets, type ReadingSet } from './telemetry.js';
import { kindOf } from './topic.js';

/** What one device message turned out to be. */
export type ReadMessage =
  | { accepted: true; sets: ReadingSet[] }
  | { accepted: true; event: ReportedEvent }
  | { accepted: false; code: edge.RejectionCode; reason: string; id?: string };

const supported = 'devices publish on v1/devices/<their id>/telemetry or v1/devices/<their id>/events/<type>';

/** Reads one message the edge listener handed over; a bad message becomes a refusal, never an error. */
export function readMessage(message: edge.DeviceMessage, limits: Limits): ReadMessage {
  if (message.refused) return { accepted: false, code: message.refused.code, reason: message.refused.reason };
  try {
    const topic = kindOf(message.topic, message.deviceId);
    if (!topic) refuse('UNSUPPORTED_TOPIC', `${message.topic}: unsupported topic; ${supported}`, idIn(message.payload));
    const payload = parseJson(message.payload);
    return topic.kind === 'telemetry'
      ? { accepted: true, sets: readReadingSets(payload, limits) }
      : { accepted: true, event: readDeviceEvent(payload, topic.type) };
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    const refusal = { accepted: false as const, code: err.code, reason: err.reason };
    return err.id === undefined ? refusal : { ...refusal, id: err.id };
  }
}

function parseJson(payload: string | undefined): unknown {
  try {
    return JSON.parse(payload ?? '');
  } catch (err) {
    return refuse('MALFORMED_JSON', `payload is not valid JSON: ${(err as Error).message}`);
  }
}
