import { Type, command, defineContract, devicePorts, query, type Static } from '../../src/index.js';

const strict = { additionalProperties: false } as const;
const Iso = Type.String({ description: 'ISO-8601' });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const DeviceId = devicePorts.DeviceId;
const Name = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'the last level of the command topic' });
const Json = Type.Record(Type.String(), Type.Unknown());

export const CommandState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);
export const CommandError = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });

export const Command = Type.Object({
  id: Id,
  deviceId: DeviceId,
  name: Name,
  args: Json,
  state: CommandState,
  createdAt: Iso,
  expiresAt: Iso,
  deliveredAt: Type.Union([Iso, Type.Null()]),
  finishedAt: Type.Union([Iso, Type.Null()]),
  result: Type.Union([Json, Type.Null()]),
  error: Type.Union([CommandError, Type.Null()]),
});

const About = { id: Id, deviceId: DeviceId, name: Name };

/** Commands for devices: queued by operators, sent by the device listener, finished by the device's reply or its TTL. */
export const commandsContract = defineContract({
  name: 'commands',
  version: '1.0.0',
  operations: {
    sendCommand: command(
      Type.Object(
        { deviceId: DeviceId, name: Name, args: Json, ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800, default: 3600 })) },
        strict,
      ),
      Command,
      { access: 'operator', summary: 'Queues a command for a device; it waits for the device until its TTL passes.' },
    ),
    getCommand: query(Type.Object({ id: Id }, strict), Command, { access: 'viewer', summary: 'One command by id.' }),
    listCommands: query(
      Type.Object(
        { deviceId: Type.Optional(DeviceId), state: Type.Optional(CommandState), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
        strict,
      ),
      Type.Object({ commands: Type.Array(Command) }),
      { access: 'viewer', summary: 'Commands, newest first.' },
    ),
    cancelCommand: command(Type.Object({ id: Id }, strict), Command, { access: 'operator', summary: 'Cancels a command the device has not answered yet.' }),
    listPendingCommands: query(devicePorts.PendingInput, devicePorts.PendingOutput, {
      access: 'system',
      summary: "A device's unanswered commands, oldest first (device listener).",
    }),
    markCommandDelivered: command(devicePorts.DeliveredInput, devicePorts.DeliveredOutput, {
      access: 'system',
      summary: 'The device acknowledged a command (device listener).',
    }),
    recordReplies: command(devicePorts.DeviceMessagesInput, devicePorts.DeviceMessagesOutput, {
      access: 'system',
      summary: "Commits a group of devices' replies to their commands (device listener).",
    }),
  },
  events: {
    commandQueued: Type.Object(About),
    commandSucceeded: Type.Object({ ...About, result: Json }),
    commandFailed: Type.Object({ ...About, error: CommandError }),
    commandExpired: Type.Object(About),
    commandCancelled: Type.Object(About),
  },
});

export type Command = Static<typeof Command>;
export type CommandState = Static<typeof CommandState>;
export type CommandError = Static<typeof CommandError>;
