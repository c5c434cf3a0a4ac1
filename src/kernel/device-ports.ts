import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The device ports: what the host's device listener asks of modules and offers them. The listener is an MQTT
 * adapter that knows no topic kind and no payload: a module declares the device topic kinds it takes and the
 * ports it serves, each an operation of its contract whose schemas equal the port's; the host checks them at
 * start-up and refuses to start on a mismatch.
 */

/** The root of every device topic: a device publishes and subscribes only under `v1/devices/<its id>/`. */
export const topicRoot = 'v1/devices';

/** Device ids, which are also MQTT client ids and usernames. */
export const DeviceId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** Why a device message was refused, sent to the device on its `errors` topic: each module names its own codes. */
export const RefusalCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' });

/** The codes the listener gives itself, before any module sees the message. */
export const listenerRefusals = ['UNSUPPORTED_TOPIC', 'RETAIN_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'MALFORMED_JSON', 'RATE_LIMITED'] as const;

/**
 * What the listener sends a device on its `errors` topic for a refused message: the message's `id` when it could be
 * read, a code (the listener's own or the module's that refused it) and the reason.
 */
export const DeviceErrorReport = Type.Object({
  id: Type.Union([Type.String(), Type.Null()]),
  code: RefusalCode,
  reason: Type.String(),
}, { additionalProperties: false });

/** The longest device topic the listener takes; a longer one is refused and recorded cut to this length. */
export const maxTopicLength = 1024;

/** `deviceAuth`: checks a device's credentials at MQTT CONNECT. */
export const DeviceAuthInput = Type.Object({ deviceId: DeviceId, secret: Type.String({ maxLength: 256 }) }, { additionalProperties: false });
export const DeviceAuthOutput = Type.Object({ ok: Type.Boolean() });

/** `devicePresence`: a device came online, went offline, or was seen. */
export const DevicePresenceInput = Type.Object(
  { deviceId: DeviceId, online: Type.Boolean(), at: Type.String({ description: 'ISO-8601' }) },
  { additionalProperties: false },
);
export const DevicePresenceOutput = Type.Object({});

/**
 * One message a device published on a topic kind a module takes, as the listener hands it over. The listener
 * parsed the topic once: `kind` is the declared kind it matched (e.g. `events/+`), `levels` the topic levels
 * that matched its `+` wildcards (e.g. `["alarm"]`).
 */
export const DeviceMessage = Type.Object({
  deviceId: DeviceId,
  kind: Type.String({ maxLength: 256 }),
  levels: Type.Array(Type.String({ maxLength: maxTopicLength }), { maxItems: 16 }),
  /** Epoch milliseconds at the listener. */
  receivedAt: Type.Integer(),
  /** The payload as UTF-8 text. */
  payload: Type.String(),
});

/** The answer for one device message: accepted (committed), or refused with a code the device is told. */
export const DeviceResult = Type.Union([
  Type.Object({ accepted: Type.Literal(true) }),
  Type.Object({ accepted: Type.Literal(false), code: RefusalCode, reason: Type.String(), id: Type.Optional(Type.String()) }),
]);

/** `deviceMessages`: the operation behind a topic kind commits a group of messages; one result per message, in order. */
export const DeviceMessagesInput = Type.Object({ messages: Type.Array(DeviceMessage, { maxItems: 10_000 }) });
export const DeviceMessagesOutput = Type.Object({ results: Type.Array(DeviceResult) });

/** A refused device message, as it is recorded. */
export const DeviceRejection = Type.Object({
  deviceId: DeviceId,
  /** The full MQTT topic, cut to `maxTopicLength`. */
  topic: Type.String({ maxLength: maxTopicLength }),
  code: RefusalCode,
  reason: Type.String(),
  /** The start of the payload, when it was text. */
  payload: Type.Optional(Type.String()),
  /** Epoch milliseconds at the listener. */
  receivedAt: Type.Integer(),
});

/** `deviceRejections`: records refused device messages, whoever refused them (the listener or a module). */
export const DeviceRejectionsInput = Type.Object({ rejections: Type.Array(DeviceRejection, { maxItems: 10_000 }) });
export const DeviceRejectionsOutput = Type.Object({});

/** One message waiting for a device: `topic` is under the device's own tree (e.g. `commands/reboot`). */
export const PendingMessage = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), topic: Type.String({ maxLength: 256 }), payload: Type.String() });

/** `deviceOutbox.pending`: the messages waiting for one device, oldest first. */
export const PendingInput = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
export const PendingOutput = Type.Object({ messages: Type.Array(PendingMessage) });

/** `deviceOutbox.delivered`: the device acknowledged the message `id` (its PUBACK). */
export const DeliveredInput = Type.Object({ deviceId: DeviceId, id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export const DeliveredOutput = Type.Object({});

/** A device secret sealed by the kernel's `sealSecret` (AES-256-GCM): only the kernel's credential subscriber opens it. */
export const SealedSecret = Type.String({ pattern: '^v1\\.[A-Za-z0-9_.-]+$', maxLength: 1024 });

/**
 * `deviceCredentials.issued`: the data of the event a module publishes when it issues a device a secret (at
 * registration or rotation). The device broker then takes this secret and no other for the device.
 */
export const DeviceSecretIssued = Type.Object({ id: DeviceId, secret: SealedSecret }, { additionalProperties: false });

/** `jwks`: the public keys that verify access tokens. */
export const JwksInput = Type.Object({});
export const JwksOutput = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

/** Each port's schemas: a module's operation serving a port must have exactly these. */
export const portSchemas = {
  jwks: { input: JwksInput, output: JwksOutput },
  deviceAuth: { input: DeviceAuthInput, output: DeviceAuthOutput },
  devicePresence: { input: DevicePresenceInput, output: DevicePresenceOutput },
  deviceRejections: { input: DeviceRejectionsInput, output: DeviceRejectionsOutput },
  deviceMessages: { input: DeviceMessagesInput, output: DeviceMessagesOutput },
  pending: { input: PendingInput, output: PendingOutput },
  delivered: { input: DeliveredInput, output: DeliveredOutput },
} satisfies Record<string, { input: TSchema; output: TSchema }>;

export type PortName = keyof typeof portSchemas;
export type DeviceMessage = Static<typeof DeviceMessage>;
export type DeviceResult = Static<typeof DeviceResult>;
export type DeviceRejection = Static<typeof DeviceRejection>;
export type DeviceErrorReport = Static<typeof DeviceErrorReport>;
export type PendingMessage = Static<typeof PendingMessage>;
export type DeviceSecretIssued = Static<typeof DeviceSecretIssued>;
