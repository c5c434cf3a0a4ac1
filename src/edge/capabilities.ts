import { Type, type Static } from '@sinclair/typebox';

/**
 * What the edge listener asks of modules, as schemas. A module offers one of these by declaring an
 * operation with exactly these schemas in its contract and naming it in `provides`.
 */

/** Device ids, which are also MQTT client ids and usernames. */
export const DeviceId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** `provides.deviceAuth`: checks a device's credentials at MQTT CONNECT. */
export const DeviceAuthInput = Type.Object({ deviceId: DeviceId, secret: Type.String({ maxLength: 256 }) }, { additionalProperties: false });
export const DeviceAuthOutput = Type.Object({ ok: Type.Boolean() });

/** `provides.devicePresence`: a device came online, went offline, or was seen. */
export const DevicePresenceInput = Type.Object(
  { deviceId: DeviceId, online: Type.Boolean(), at: Type.String({ description: 'ISO-8601' }) },
  { additionalProperties: false },
);
export const DevicePresenceOutput = Type.Object({});

/** Why a device message was refused; sent to the device on its `errors` topic. */
export const rejectionCodes = [
  'MALFORMED_JSON',
  'INVALID_PAYLOAD',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_ITEMS',
  'UNSUPPORTED_TOPIC',
  'RETAIN_NOT_ALLOWED',
  'RATE_LIMITED',
] as const;
export const RejectionCode = Type.Union(rejectionCodes.map((code) => Type.Literal(code)));

/** The longest device topic handed to a module; a longer one is refused by the listener and cut to this length. */
export const maxTopicLength = 1024;

/** One message a device published, as the edge listener hands it over. */
export const DeviceMessage = Type.Object({
  deviceId: DeviceId,
  /** The full MQTT topic, e.g. `v1/devices/d1/telemetry`. */
  topic: Type.String({ maxLength: maxTopicLength }),
  /** Epoch milliseconds at the listener. */
  receivedAt: Type.Integer(),
  /** The payload as UTF-8 text; absent when the listener already refused the message. */
  payload: Type.Optional(Type.String()),
  /** Set when the listener refused the message itself (too large, not UTF-8). */
  refused: Type.Optional(Type.Object({ code: RejectionCode, reason: Type.String() })),
});

/** `provides.ingest`: stores a group of device messages in one commit; one result per message, in order. */
export const IngestInput = Type.Object({ messages: Type.Array(DeviceMessage, { maxItems: 10_000 }) });
export const IngestResult = Type.Union([
  Type.Object({ accepted: Type.Literal(true) }),
  Type.Object({ accepted: Type.Literal(false), code: RejectionCode, reason: Type.String(), id: Type.Optional(Type.String()) }),
]);
export const IngestOutput = Type.Object({ results: Type.Array(IngestResult) });

export type DeviceMessage = Static<typeof DeviceMessage>;
export type IngestResult = Static<typeof IngestResult>;
export type RejectionCode = Static<typeof RejectionCode>;
