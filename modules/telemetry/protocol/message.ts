import type { devicePorts } from '../../../src/index.js';
import type { Limits } from '../config.js';
import { readDeviceEvent, readEventType, type ReportedEvent } from './event-payload.js';
import { Refusal, refuse, type RefusalCode } from './refusal.js';
import { readReadingSets, type ReadingSet } from './telemetry-payload.js';

/** The device topic kinds telemetry takes: readings, and events whose type is the last level. */
export const telemetryKind = 'telemetry';
export const eventsKind = 'events/+';

/** What one device message turned out to be. */
export type ReadMessage =
  | { accepted: true; sets: ReadingSet[] }
  | { accepted: true; event: ReportedEvent }
  | { accepted: false; code: RefusalCode; reason: string; id?: string };

/** Reads one message the device listener handed over; a bad message becomes a refusal, never an error. */
export function readMessage(message: devicePorts.DeviceMessage, limits: Limits): ReadMessage {
  try {
    if (message.kind === telemetryKind) return { accepted: true, sets: readReadingSets(parseJson(message.payload), limits) };
    if (message.kind !== eventsKind) refuse('UNSUPPORTED_TOPIC', `telemetry does not take the topic kind "${message.kind}"`);
    const type = readEventType(message.levels[0] ?? '', message.payload);
    return { accepted: true, event: readDeviceEvent(parseJson(message.payload), type) };
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    const refusal = { accepted: false as const, code: err.code, reason: err.reason };
    return err.id === undefined ? refusal : { ...refusal, id: err.id };
  }
}

function parseJson(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch (err) {
    return refuse('MALFORMED_JSON', `payload is not valid JSON: ${(err as Error).message}`);
  }
}
