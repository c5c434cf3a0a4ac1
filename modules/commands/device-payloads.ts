import { Type } from '../../src/index.js';

/** What commands sends devices and what they answer, as JSON Schema for the AsyncAPI document; `reply.ts` judges replies. */
const CommandId = Type.String({ minLength: 1, maxLength: 256, description: 'The command id' });

/** `v1/devices/<id>/commands/<name>` (QoS 1): a command for the device, pending ones oldest first when it subscribes. */
export const CommandPayload = Type.Object({
  id: CommandId,
  args: Type.Record(Type.String(), Type.Unknown()),
  expiresAt: Type.String({ description: 'ISO-8601: when the command expires if still undelivered or unanswered' }),
}, { additionalProperties: false });

/** `v1/devices/<id>/replies`: the outcome of a command the device received; a missing `result` is `{}`. */
export const ReplyPayload = Type.Union([
  Type.Object({ id: CommandId, ok: Type.Literal(true), result: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
  Type.Object({
    id: CommandId,
    ok: Type.Literal(false),
    error: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), message: Type.String({ maxLength: 1024 }) }),
  }),
]);
