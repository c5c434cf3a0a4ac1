import { Type } from '../../../src/index.js';

/** What devices send on telemetry's topic kinds, as JSON Schema for the AsyncAPI document; the readers here judge. */
const Ts = Type.Union([
  Type.Integer({ minimum: 0, description: 'epoch milliseconds' }),
  Type.String({ description: 'ISO-8601 date-time with a zone, e.g. 2024-05-01T12:00:00Z' }),
], { description: "The device's time; without it, the time the message was received" });

const MessageId = Type.String({ minLength: 1, maxLength: 256, description: 'Stored once per device and id: a resent message is not stored twice' });

const ReadingSet = Type.Object({
  ts: Type.Optional(Ts),
  id: Type.Optional(MessageId),
  metrics: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }), Type.Number(), { minProperties: 1, maxProperties: 1000, additionalProperties: false }),
}, { additionalProperties: false });

/** `v1/devices/<id>/telemetry`: one reading set, or a batch of them (`telemetry.maxItems`, 500 by default). */
export const TelemetryPayload = Type.Union([ReadingSet, Type.Array(ReadingSet, { minItems: 1 })]);

/** `v1/devices/<id>/events/<type>`: an event of the type the last topic level names (`^[A-Za-z0-9_.:-]{1,128}$`). */
export const EventPayload = Type.Object({
  ts: Type.Optional(Ts),
  id: Type.Optional(MessageId),
  data: Type.Object({}, { additionalProperties: true, description: 'Any JSON object, nested at most 32 levels' }),
}, { additionalProperties: false });
